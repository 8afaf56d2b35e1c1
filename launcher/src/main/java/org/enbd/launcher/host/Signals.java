package org.enbd.launcher.host;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import sun.misc.Signal;

/**
 * SIGTERM and SIGINT stop the framework, so the components drain and the launcher exits 0 (a JVM that merely
 * runs its shutdown hooks on SIGTERM exits 143). The handlers go in before the framework boots: a signal that
 * arrives while it boots is kept and stops it as soon as it is up, so a stop asked for at any moment is a stop,
 * never a failure. Signals that arrive while stopping (a wrapper such as timeout(1) forwarding the same SIGTERM)
 * are ignored: the stop has its own time limit. SIGHUP does not stop anything: it is logged and ignored, since
 * there is nothing to reload by signal (the data directory's etc/ is watched by FileInstall, TLS files are read per
 * connection, and the command line cannot change).
 *
 * <p>With {@code --shell}, SIGINT is the terminal's Ctrl-C: it cancels the line being typed (the terminal driver
 * discards it) and the prompt comes back, as in bash; it does not stop ENBD-J. {@code logout}, {@code exit} or
 * Ctrl-D leave the shell, and SIGTERM still stops.
 */
final class Signals {
    private final AtomicBoolean asked = new AtomicBoolean();
    private final AtomicReference<Runnable> stop = new AtomicReference<>();

    private Signals() {
    }

    /** Installs the handlers now; what they stop is given by {@link #stops} once it exists. */
    static Signals install() {
        return install(false);
    }

    /** As {@link #install()}; with {@code shell}, SIGINT cancels the shell's line instead of stopping. */
    static Signals install(boolean shell) {
        Signals signals = new Signals();
        if (shell) {
            try {
                java.util.concurrent.atomic.AtomicLong last = new java.util.concurrent.atomic.AtomicLong();
                Signal.handle(new Signal("INT"), signal -> {
                    // ./enbd forwards the SIGINT the terminal sent to both: one prompt per Ctrl-C
                    long now = System.nanoTime();
                    if (now - last.getAndSet(now) > 200_000_000L) {
                        System.out.print(System.lineSeparator() + "g! ");
                        System.out.flush();
                    }
                });
            } catch (IllegalArgumentException e) {
                // ignored by our parent: it stays ignored
            }
        }
        for (String name : shell ? new String[] {"TERM"} : new String[] {"TERM", "INT"}) {
            try {
                Signal.handle(new Signal(name), signal -> {
                    if (signals.asked.compareAndSet(false, true)) {
                        Runnable action = signals.stop.get();
                        if (action != null) {
                            action.run();
                        }
                    }
                });
            } catch (IllegalArgumentException e) {
                // the signal is ignored by our parent (a background job of a non-interactive shell): keep it so
            }
        }
        try {
            // a JVM ends on SIGHUP by default (status 129): a closed terminal or a reload must not stop serving
            Signal.handle(new Signal("HUP"), signal -> org.slf4j.LoggerFactory.getLogger("enbd").info(
                    "SIGHUP: nothing to reload (changes to the data directory's etc/*.cfg apply by themselves, "
                            + "TLS files are read per connection); still serving"));
        } catch (IllegalArgumentException e) {
            // ignored by our parent (nohup): it stays ignored
        }
        return signals;
    }

    /** From now on a signal runs {@code action}; one that came before runs it at once. */
    void stops(Runnable action) {
        stop.set(action);
        if (asked.get()) {
            action.run(); // possibly twice with a signal racing this call: stopping a framework is idempotent
        }
    }
}
