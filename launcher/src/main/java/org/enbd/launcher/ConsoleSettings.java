package org.enbd.launcher;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * The Felix Web Console: where it listens and who may log in. The documented default account (admin/admin) is
 * allowed only on a loopback address; anywhere else the user must choose a password, or have chosen one in an
 * earlier run (the account kept hashed in the data directory's {@code console.passwd}).
 *
 * @param address  where the console's HTTP server binds, or empty when the console is off
 * @param user     the console account given (or the default), for a password given now
 * @param password the password given now (option, file or environment), the default when none was given and none
 *                 is kept, null when the kept account applies; held in memory only, hashed before use
 * @param asked    whether the console was asked for ({@code --console HOST:PORT}): only then is a port that is
 *                 taken an error; the server's default console is left off instead, with a warning
 * @param given    whether the password was given now: with a data directory it replaces the kept account
 * @param stored   the account kept in the data directory, if any
 * @param tls      a directory of {@code enbd certs init} ({@code server-cert.pem}, {@code server-key.pem}): the
 *                 console then speaks HTTPS only
 */
public record ConsoleSettings(Optional<ListenAddress.HostPort> address, String user, String password,
                              boolean asked, boolean given, Optional<ConsoleHash> stored,
                              Optional<java.nio.file.Path> tls) {
    public static final String DEFAULT_USER = "admin";
    public static final String DEFAULT_PASSWORD = "admin";
    public static final ConsoleSettings OFF = new ConsoleSettings(Optional.empty(), DEFAULT_USER, DEFAULT_PASSWORD,
            false, false, Optional.empty(), Optional.empty());

    /** Builds the settings from the command line's values, with no account kept. */
    public static ConsoleSettings of(String where, String user, String password) {
        return of(where, user, password, Optional.empty());
    }

    /**
     * Builds the settings from the command line's values.
     *
     * @param where    {@code HOST:PORT} or {@code off}
     * @param user     the account, null for the default
     * @param password the password, null for the kept account or else the default (refused off loopback)
     * @param stored   the account kept in the data directory
     */
    public static ConsoleSettings of(String where, String user, String password, Optional<ConsoleHash> stored) {
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
        if (password == null && stored.isEmpty() && !loopback(at.host())) {
            throw new IllegalArgumentException("--console " + at + " is not a loopback address: give "
                    + "--console-password-file (or --console-password, " + ConsoleAccount.PASSWORD_VARIABLE
                    + "); the default admin/admin is allowed on loopback only");
        }
        if (password != null && password.isEmpty()) {
            throw new IllegalArgumentException("--console-password must not be empty");
        }
        String account = ConsoleHash.checkUser(user == null ? DEFAULT_USER : user);
        if (password == null && stored.isPresent()) {
            return new ConsoleSettings(Optional.of(at), stored.get().user(), null, true, false, stored,
                    Optional.empty());
        }
        return new ConsoleSettings(Optional.of(at), account, password == null ? DEFAULT_PASSWORD : password, true,
                password != null, stored, Optional.empty());
    }

    /** The same console, as a default nobody asked for: a port that is taken leaves it off (with a warning). */
    public ConsoleSettings byDefault() {
        return address.isEmpty() ? this : new ConsoleSettings(address, user, password, false, given, stored, tls);
    }

    /**
     * The same console over HTTPS with the server certificate and key of {@code dir} ({@code enbd certs init}); a
     * console that is off stays off.
     */
    public ConsoleSettings withTls(java.nio.file.Path dir) {
        if (address.isEmpty()) {
            return this;
        }
        for (String name : java.util.List.of(CERTIFICATE, KEY)) {
            if (!java.nio.file.Files.isReadable(dir.resolve(name))) {
                throw new IllegalArgumentException("--console-tls " + dir + ": no readable " + name
                        + " (make one with: enbd certs init " + dir + ")");
            }
        }
        return new ConsoleSettings(address, user, password, asked, given, stored, Optional.of(dir));
    }

    /** The files {@link #withTls} reads, as {@code enbd certs init} names them. */
    public static final String CERTIFICATE = "server-cert.pem";
    public static final String KEY = "server-key.pem";

    /** {@code https} with TLS, else {@code http}. */
    public String scheme() {
        return tls.isPresent() ? "https" : "http";
    }

    /**
     * The account the console checks: the password given now (or the default) hashed, else the kept one. A
     * password given again that the kept account already holds (a unit's credential at every start) is the kept
     * account, so it is not written again.
     */
    public ConsoleHash account() {
        if (password == null) {
            return stored.orElseThrow();
        }
        if (given && stored.isPresent() && stored.get().matches(user, password)) {
            return stored.get();
        }
        return ConsoleHash.create(user, password);
    }

    /** Never the password. */
    @Override
    public String toString() {
        return "ConsoleSettings[address=" + address + ", user=" + user + ", asked=" + asked + ", given=" + given
                + ", stored=" + stored.isPresent() + ", tls=" + tls + "]";
    }

    private static boolean loopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("--console: unknown host '" + host + "'");
        }
    }
}
