package org.enbd.launcher;

import java.util.Map;

/**
 * The process environment the command line reads (ENBD_CONSOLE_PASSWORD, systemd's LISTEN_FDS and LISTEN_PID);
 * tests put their own in its place.
 */
final class Environment {
    private static volatile Map<String, String> variables = System.getenv();

    private Environment() {
    }

    static String get(String name) {
        return variables.get(name);
    }

    /** For tests: {@code replacement} until the returned handle is closed. */
    static AutoCloseable replace(Map<String, String> replacement) {
        Map<String, String> before = variables;
        variables = Map.copyOf(replacement);
        return () -> variables = before;
    }
}
