package org.enbd.launcher.host;

import java.util.concurrent.atomic.AtomicBoolean;
import sun.misc.Signal;

/**
 * SIGTERM and SIGINT stop the framework, so the components drain and the launcher exits 0 (a JVM that merely
 * runs its shutdown hooks on SIGTERM exits 143). Signals that arrive while stopping (a wrapper such as timeout(1)
 * forwarding the same SIGTERM) are ignored: the stop has its own time limit.
 */
final class Signals {
    private Signals() {
    }

    static void onTermination(Runnable stop) {
        AtomicBoolean asked = new AtomicBoolean();
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                Signal.handle(new Signal(name), signal -> {
                    if (asked.compareAndSet(false, true)) {
                        stop.run();
                    }
                });
            } catch (IllegalArgumentException e) {
                // the signal is ignored by our parent (a background job of a non-interactive shell): keep it so
            }
        }
    }
}
