package org.enbd.launcher;

import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code --data DIR} and {@code --ephemeral}, shared by the commands that keep configurations (server, client). */
final class DataOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Option(names = "--data", paramLabel = "DIR", description = "Keep configurations here: etc/*.cfg (also what the "
            + "Web Console saves), deploy/ for bundles, the console account (default: $XDG_STATE_HOME/enbd/COMMAND, "
            + "i.e. ~/.local/state/enbd/server or .../client).")
    Path dir;

    @Option(names = "--ephemeral", description = "Keep nothing: configurations live only as long as this process.")
    boolean ephemeral;

    /** The data directory of {@code command}, or empty with --ephemeral. */
    Optional<DataDirectory> resolve(String command) {
        if (ephemeral && dir != null) {
            throw new ParameterException(mixee.commandLine(), "--data and --ephemeral exclude each other");
        }
        if (ephemeral) {
            return Optional.empty();
        }
        return Optional.of(dir != null ? new DataDirectory(dir) : DataDirectory.defaultFor(command, System.getenv()));
    }
}
