package org.enbd.launcher;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** {@code enbd list}: what this distribution can do (transports, backends, features) and the devices in use. */
@Command(name = "list", mixinStandardHelpOptions = true, showDefaultValues = true, usageHelpAutoWidth = true,
        description = {"List the plug-ins of this distribution (transports by URI scheme, backend types, "
                + "features) and the kernel NBD devices that are connected."})
final class ListCommand implements Callable<Integer> {
    private final Actions actions;

    @ParentCommand
    EnbdCommand parent;

    ListCommand(Actions actions) {
        this.actions = actions;
    }

    @Override
    public Integer call() throws Exception {
        return actions.list(plan());
    }

    LaunchPlan plan() {
        return new LaunchPlan("list", List.of(), List.of(), ConsoleSettings.OFF, false, parent.verbose,
                parent.startTimeout());
    }
}
