package org.enbd.launcher;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * The Felix Web Console: where it listens and who may log in. The documented default account (admin/admin) is
 * allowed only on a loopback address; anywhere else the user must choose a password.
 *
 * @param address  where the console's HTTP server binds, or empty when the console is off
 * @param user     the console account
 * @param password its password
 * @param asked    whether the console was asked for ({@code --console HOST:PORT}): only then is a port that is
 *                 taken an error; the server's default console is left off instead, with a warning
 */
public record ConsoleSettings(Optional<ListenAddress.HostPort> address, String user, String password,
                              boolean asked) {
    public static final String DEFAULT_USER = "admin";
    public static final String DEFAULT_PASSWORD = "admin";
    public static final ConsoleSettings OFF = new ConsoleSettings(Optional.empty(), DEFAULT_USER, DEFAULT_PASSWORD,
            false);

    /**
     * Builds the settings from the command line's values.
     *
     * @param where    {@code HOST:PORT} or {@code off}
     * @param user     the account, null for the default
     * @param password the password, null for the default (refused off loopback)
     */
    public static ConsoleSettings of(String where, String user, String password) {
        if ("off".equals(where)) {
            return OFF;
        }
        ListenAddress.HostPort at;
        try {
            at = ListenAddress.HostPort.parse(where);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--console " + e.getMessage().replace("HOST:PORT or unix:PATH",
                    "HOST:PORT or off"));
        }
        if (password == null && !loopback(at.host())) {
            throw new IllegalArgumentException("--console " + at + " is not a loopback address: give "
                    + "--console-password (the default admin/admin is allowed on loopback only)");
        }
        if (password != null && password.isEmpty()) {
            throw new IllegalArgumentException("--console-password must not be empty");
        }
        return new ConsoleSettings(Optional.of(at), user == null ? DEFAULT_USER : user,
                password == null ? DEFAULT_PASSWORD : password, true);
    }

    /** The same console, as a default nobody asked for: a port that is taken leaves it off (with a warning). */
    public ConsoleSettings byDefault() {
        return address.isEmpty() ? this : new ConsoleSettings(address, user, password, false);
    }

    private static boolean loopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("--console: unknown host '" + host + "'");
        }
    }
}
