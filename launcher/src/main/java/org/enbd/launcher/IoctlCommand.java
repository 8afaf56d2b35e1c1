package org.enbd.launcher;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.enbd.kernel.DeviceStateFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code enbd ioctl TARGET NAME [ARG]}: one remote ioctl on the device a running ENBD-J server exports, through
 * the ioctl bundle's one-shot call component (as {@code enbd stats} asks the stats bundle's). TARGET is the
 * export's URI, or a kernel device ENBD-J attached ({@code /dev/nbd0}), whose server the device's state file names:
 * the stock nbd driver answers every ioctl on {@code /dev/nbdN} itself, so the call goes over ENBD-J's own
 * control channel instead.
 */
@Command(name = "ioctl", mixinStandardHelpOptions = true, showDefaultValues = true, usageHelpAutoWidth = true,
        description = {"Run an ioctl on the device a running ENBD-J server exports with the ioctl feature "
                + "(--export NAME=/dev/sr0,features=ioctl,ioctls=cdrom), and print its result, errno and data out."},
        footer = {"", "Examples:", "  enbd ioctl /dev/nbd0 CDROMEJECT", "  enbd ioctl /dev/nbd0 CDROM_DRIVE_STATUS",
                "  enbd ioctl nbd://server/cd CDROM_LOCKDOOR 1",
                "", "Exit status: 0 when the ioctl succeeded; 1 when it failed on the device (its errno is printed), "
                        + "the export does not allow it (EPERM), or the server cannot be reached; 2 on a usage "
                        + "error."})
final class IoctlCommand implements Callable<Integer> {
    /** The ioctl bundle's one-shot call; Startup finds its bundle, org.enbd.ioctl, by the PID's last word. */
    static final String FACTORY_PID = "org.enbd.ioctl";

    private final Actions actions;
    private final DeviceStateFile states;

    @ParentCommand
    EnbdCommand parent;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "TARGET",
            description = "/dev/nbdN attached by enbd client --device, or nbd://HOST[:PORT]/EXPORT.")
    String target;

    @Parameters(index = "1", arity = "0..1", paramLabel = "NAME", description = "The ioctl, e.g. CDROMEJECT.")
    String name;

    @Parameters(index = "2", arity = "0..1", paramLabel = "ARG",
            description = "An integer for a by-value argument; the struct's bytes in hex for one passed in.")
    String argument;

    @Option(names = "--json", description = "Print the answer as one line of JSON.")
    boolean json;

    IoctlCommand(Actions actions) {
        this(actions, new DeviceStateFile(DeviceStateFile.DEFAULT_DIRECTORY));
    }

    IoctlCommand(Actions actions, DeviceStateFile states) {
        this.actions = actions;
        this.states = states;
    }

    @Override
    public Integer call() throws Exception {
        // the call component answers as the stats query does: a status whose "table"/"json" attribute is printed
        return actions.stats(plan(), json);
    }

    LaunchPlan plan() {
        if (target == null || name == null) {
            throw usage("expected TARGET and NAME, e.g. enbd ioctl /dev/nbd0 CDROMEJECT");
        }
        String uri = ExportTarget.uri(target, states, this::usage);
        int timeoutSeconds = (int) Math.max(1, parent.startTimeout().toSeconds() * 4 / 5);
        FactoryConfiguration call = new FactoryConfiguration(FACTORY_PID, "call", name + " on " + target,
                Map.of("uri", uri, "ioctl", name, "argument", argument == null ? "" : argument,
                        "timeoutSeconds", timeoutSeconds));
        return new LaunchPlan("ioctl", List.of(call), List.of(), ConsoleSettings.OFF, false, parent.verbose,
                parent.startTimeout());
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    /** For tests: where the state files are. */
    static IoctlCommand reading(Actions actions, Path stateDirectory) {
        return new IoctlCommand(actions, new DeviceStateFile(stateDirectory));
    }
}
