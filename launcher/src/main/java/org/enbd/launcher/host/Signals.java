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
 */
final class Signals {
    private final AtomicBoolean asked = new AtomicBoolean();
    private final AtomicReference<Runnable> stop = new AtomicReference<>();

    private Signals() {
    }

    /** Installs the handlers now; what they stop is given by {@link #stops} once it exists. */
    static Signals install() {
        Signals signals = new Signals();
        for (String name : new String[] {"TERM", "INT"}) {
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
