package org.enbd.launcher;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The Web Console account options, shared by the commands that run a console. The address option stays in each
 * command because its default differs (the server's console is on by default, the client's is off).
 */
final class ConsoleAccount {
    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Option(names = "--console-user", paramLabel = "USER", defaultValue = ConsoleSettings.DEFAULT_USER,
            description = "The Web Console account (with a password option; without one, the account kept in the "
                    + "data directory applies).")
    String user;

    /** The environment variable that holds the password, so that it shows neither in ps nor in a unit file. */
    static final String PASSWORD_VARIABLE = "ENBD_CONSOLE_PASSWORD";

    @Option(names = "--console-password", paramLabel = "PASSWORD",
            description = "The Web Console password (default: the one kept hashed in the data directory's "
                    + "console.passwd, else admin, allowed on a loopback console only); with a data directory it "
                    + "is kept (hashed) for the next runs. Any user can read it in ps: prefer --console-password-file or the environment variable "
                    + PASSWORD_VARIABLE + ".")
    String password;

    @Option(names = "--console-password-file", paramLabel = "FILE",
            description = "Read the Web Console password from the first line of FILE (e.g. a systemd credential, "
                    + "$CREDENTIALS_DIRECTORY/console-password).")
    java.nio.file.Path passwordFile;

    @Option(names = "--console-tls", paramLabel = "DIR",
            description = "Serve the Web Console over HTTPS only, with DIR/server-cert.pem and DIR/server-key.pem "
                    + "(as enbd certs init DIR writes them).")
    java.nio.file.Path tls;

    /** The console at {@code where} ({@code HOST:PORT} or {@code off}) with this account; a usage error if unsafe. */
    ConsoleSettings settings(String where) {
        return settings(where, java.util.Optional.empty());
    }

    /**
     * The console at {@code where} with this account, or with the one kept in the data directory when no password
     * is given; a usage error if unsafe.
     */
    ConsoleSettings settings(String where, java.util.Optional<DataDirectory> data) {
        try {
            ConsoleSettings settings = ConsoleSettings.of(where, user, password(),
                    data.flatMap(d -> ConsoleHash.read(d.consoleAccount())));
            return tls == null ? settings : settings.withTls(tls);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(mixee.commandLine(), e.getMessage());
        }
    }

    /** The password from the option, the file or the environment, in that order; null for none. */
    private String password() {
        if (password != null && passwordFile != null) {
            throw new IllegalArgumentException("give --console-password or --console-password-file, not both");
        }
        if (password != null) {
            return password;
        }
        if (passwordFile != null) {
            try {
                String first = java.nio.file.Files.readString(passwordFile).lines().findFirst().orElse("");
                if (first.isEmpty()) {
                    throw new IllegalArgumentException("--console-password-file " + passwordFile
                            + ": the first line is empty");
                }
                return first;
            } catch (java.io.IOException | java.io.UncheckedIOException e) {
                throw new IllegalArgumentException("--console-password-file " + passwordFile + ": cannot read it ("
                        + e.getClass().getSimpleName() + ")");
            }
        }
        String fromEnvironment = Environment.get(PASSWORD_VARIABLE);
        if (fromEnvironment != null && fromEnvironment.isEmpty()) {
            throw new IllegalArgumentException(PASSWORD_VARIABLE + " must not be empty");
        }
        return fromEnvironment;
    }
}
