package org.enbd.launcher;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code enbd list}: the running instances with their live state, then what this distribution can do
 * (transports, backends, features) and the devices in use.
 */
@Command(name = "list", mixinStandardHelpOptions = true, showDefaultValues = true, usageHelpAutoWidth = true,
        description = {"List the ENBD-J instances that this user runs on this machine (pid, command, the state and "
                + "detail of each listener, export, device and endpoint, read live over the JVM's local JMX "
                + "agent, as jcmd and JConsole attach), then the plug-ins of this distribution (transports by URI "
                + "scheme, backend types, features) and the kernel NBD devices that are connected."},
        footer = {"", "Exit status: 0; with --running, 1 when no instance runs (as pgrep), so that scripts can "
                + "test it."})
final class ListCommand implements Callable<Integer> {
    private final Actions actions;

    @Option(names = "--running", description = "Only the running instances: no framework is started for the "
            + "plug-in list, so it answers at once.")
    boolean runningOnly;

    @ParentCommand
    EnbdCommand parent;

    ListCommand(Actions actions) {
        this.actions = actions;
    }

    @Override
    public Integer call() throws Exception {
        return actions.list(plan().withLog(parent.logTarget()), runningOnly);
    }

    LaunchPlan plan() {
        return new LaunchPlan("list", List.of(), List.of(), ConsoleSettings.OFF, false, parent.verbose,
                parent.startTimeout());
    }
}
