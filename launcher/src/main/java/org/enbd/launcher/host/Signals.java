package org.enbd.launcher.host;

import sun.misc.Signal;

/**
 * SIGTERM and SIGINT stop the framework, so the components drain and the launcher exits 0 (a JVM that merely
 * runs its shutdown hooks on SIGTERM exits 143). A second signal while stopping ends the process at once.
 */
final class Signals {
    private Signals() {
    }

    static void onTermination(Runnable stop) {
        Runnable once = new Runnable() {
            private boolean asked;

            @Override
            public synchronized void run() {
                if (asked) {
                    Runtime.getRuntime().halt(1);
                }
                asked = true;
                stop.run();
            }
        };
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                Signal.handle(new Signal(name), signal -> once.run());
            } catch (IllegalArgumentException e) {
                // the signal is ignored by our parent (a background job of a non-interactive shell): keep it so
            }
        }
    }
}
