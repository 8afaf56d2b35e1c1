package org.enbd.launcher;

import java.time.Duration;
import java.util.List;

/**
 * Everything a command line asks for, decided before the framework starts: the configurations to create, the
 * console, the shell and what to print once the components are up. Built by the commands, run by {@link Actions}.
 *
 * @param command        which subcommand ("server", "client", "list"), for messages
 * @param configurations the factory configurations to create, in order
 * @param exports        the server's exports, for the listening line (empty for a client)
 * @param console        the Web Console settings
 * @param shell          whether to run the Gogo shell on the terminal
 * @param verbose        debug logging
 * @param startTimeout   how long to wait for the configured components to report UP or FAILED
 */
public record LaunchPlan(String command, List<FactoryConfiguration> configurations, List<ExportSpec> exports,
                         ConsoleSettings console, boolean shell, boolean verbose, Duration startTimeout) {
    public LaunchPlan {
        configurations = List.copyOf(configurations);
        exports = List.copyOf(exports);
    }

    /** The configurations of one factory PID. */
    public List<FactoryConfiguration> of(String factoryPid) {
        return configurations.stream().filter(c -> c.factoryPid().equals(factoryPid)).toList();
    }
}
