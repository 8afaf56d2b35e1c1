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
            description = "The Web Console account.")
    String user;

    @Option(names = "--console-password", paramLabel = "PASSWORD",
            description = "The Web Console password (default: admin, allowed on a loopback console only).")
    String password;

    /** The console at {@code where} ({@code HOST:PORT} or {@code off}) with this account; a usage error if unsafe. */
    ConsoleSettings settings(String where) {
        try {
            return ConsoleSettings.of(where, user, password);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(mixee.commandLine(), e.getMessage());
        }
    }
}
