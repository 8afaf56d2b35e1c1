package org.enbd.launcher;

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
 * {@code enbd cow show|drop TARGET}: the copy-on-write overlay of an export a running ENBD-J server serves with the
 * cow feature, shown or emptied through the cow bundle's one-shot query component (COW_SHOW, COW_DROP over ENBD-J's
 * control channel), as {@code enbd ioctl} asks the ioctl bundle's. TARGET is the export's URI or a kernel device
 * ENBD-J attached.
 */
@Command(name = "cow", mixinStandardHelpOptions = true, showDefaultValues = true, usageHelpAutoWidth = true,
        description = {"Show or drop the copy-on-write overlay of an export that a running ENBD-J server serves "
                + "with the cow feature (--export NAME=SPEC,features=cow).",
                "show: the overlay's scope, store (memory or file:PATH), block size, blocks in use (data, zero) and "
                        + "bytes held.",
                "drop: forget every change in it, so the export reads as the layer below again. A drop of an "
                        + "overlay that holds changes is refused unless --force: it forgets them, and whatever has "
                        + "the export open (a mounted file system, a client's cache) sees its disk change "
                        + "underneath. Unmount or disconnect first."},
        footer = {"", "With cow.scope=connection every connection has its own overlay: show and drop reach only "
                + "the one of their own connection (empty). With cow.scope=identity, the overlay of the identity "
                + "they connect with.",
                "", "Examples:", "  enbd cow show nbd://server/root",
                "  enbd cow drop --force nbd://server/root", "  enbd cow show /dev/nbd0 --json",
                "", "Exit status: 0 when shown or dropped; 1 when the drop was refused (the overlay holds changes and "
                        + "no --force), the export has no cow feature, or the server cannot be reached; 2 on a "
                        + "usage error."})
final class CowCommand implements Callable<Integer> {
    private final Actions actions;
    private final DeviceStateFile states;

    @ParentCommand
    EnbdCommand parent;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "show|drop", description = "What to do.")
    String action;

    @Parameters(index = "1", arity = "0..1", paramLabel = "TARGET",
            description = "nbd://HOST[:PORT]/EXPORT, nbd+unix:///EXPORT?socket=PATH, or /dev/nbdN attached by "
                    + "enbd client --device.")
    String target;

    @Option(names = "--force", description = "drop: forget the overlay's changes even when it holds some.")
    boolean force;

    @Option(names = "--json", description = "Print the overlay as one line of JSON (COW_SHOW's answer; after a "
            + "drop, the overlay after it).")
    boolean json;

    CowCommand(Actions actions) {
        this(actions, new DeviceStateFile(DeviceStateFile.DEFAULT_DIRECTORY));
    }

    CowCommand(Actions actions, DeviceStateFile states) {
        this.actions = actions;
        this.states = states;
    }

    @Override
    public Integer call() throws Exception {
        return actions.stats(plan().withLog(parent.logTarget()), json);
    }

    /** The one query configuration this command line asks for. */
    LaunchPlan plan() {
        if (action == null || target == null) {
            throw usage("expected show or drop and the export, e.g. enbd cow show nbd://127.0.0.1:10809/disk");
        }
        if (!action.equals("show") && !action.equals("drop")) {
            throw usage("unknown action '" + action + "': show or drop");
        }
        if (force && action.equals("show")) {
            throw usage("--force is for drop");
        }
        String uri = ExportTarget.uri(target, states, this::usage);
        // the query gives up a little before the launcher does, so its reason is what the user reads
        int timeoutSeconds = (int) Math.max(1, parent.startTimeout().toSeconds() * 4 / 5);
        FactoryConfiguration query = new FactoryConfiguration(FactoryConfiguration.COW_QUERY, action,
                "cow " + action + " of " + target, Map.of("uri", uri, "action", action, "force", force,
                "timeoutSeconds", timeoutSeconds));
        return new LaunchPlan("cow", List.of(query), List.of(), ConsoleSettings.OFF, false, parent.verbose,
                parent.startTimeout());
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }
}
