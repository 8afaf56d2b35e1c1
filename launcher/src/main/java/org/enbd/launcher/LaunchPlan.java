package org.enbd.launcher;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

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
 * @param data           where configurations are kept ({@code etc/}), or empty for a run that keeps nothing
 * @param stored         the configurations found in {@code data}'s {@code etc/}, also waited for
 * @param daemon         pid file, URI printing and captive mode (server)
 */
public record LaunchPlan(String command, List<FactoryConfiguration> configurations, List<ExportSpec> exports,
                         ConsoleSettings console, boolean shell, boolean verbose, Duration startTimeout,
                         Optional<DataDirectory> data, List<FactoryConfiguration> stored, Daemon daemon,
                         LogTarget log) {
    public LaunchPlan {
        java.util.Objects.requireNonNull(daemon, "daemon");
        java.util.Objects.requireNonNull(log, "log");
        configurations = List.copyOf(configurations);
        exports = List.copyOf(exports);
        stored = List.copyOf(stored);
    }

    /** A plan that logs to stderr. */
    public LaunchPlan(String command, List<FactoryConfiguration> configurations, List<ExportSpec> exports,
                      ConsoleSettings console, boolean shell, boolean verbose, Duration startTimeout,
                      Optional<DataDirectory> data, List<FactoryConfiguration> stored, Daemon daemon) {
        this(command, configurations, exports, console, shell, verbose, startTimeout, data, stored, daemon,
                LogTarget.STDERR);
    }

    /** A plan with no daemon options (client, and the server without them). */
    public LaunchPlan(String command, List<FactoryConfiguration> configurations, List<ExportSpec> exports,
                      ConsoleSettings console, boolean shell, boolean verbose, Duration startTimeout,
                      Optional<DataDirectory> data, List<FactoryConfiguration> stored) {
        this(command, configurations, exports, console, shell, verbose, startTimeout, data, stored, Daemon.NONE);
    }

    /** A plan that keeps nothing (list, stats, --ephemeral). */
    public LaunchPlan(String command, List<FactoryConfiguration> configurations, List<ExportSpec> exports,
                      ConsoleSettings console, boolean shell, boolean verbose, Duration startTimeout) {
        this(command, configurations, exports, console, shell, verbose, startTimeout, Optional.empty(), List.of(),
                Daemon.NONE);
    }

    /** The same plan with the console off (the default console's port was taken). */
    public LaunchPlan withoutConsole() {
        return new LaunchPlan(command, configurations, exports, ConsoleSettings.OFF, shell, verbose, startTimeout,
                data, stored, daemon, log);
    }

    /** The same plan, logging to {@code target} ({@code --log}). */
    public LaunchPlan withLog(LogTarget target) {
        return new LaunchPlan(command, configurations, exports, console, shell, verbose, startTimeout, data, stored,
                daemon, target);
    }

    /**
     * Everything the launcher waits for: the command line's configurations, then the stored ones it does not
     * override (same PID).
     */
    public List<FactoryConfiguration> awaited() {
        Set<String> given = configurations.stream().map(FactoryConfiguration::pid).collect(Collectors.toSet());
        List<FactoryConfiguration> all = new ArrayList<>(configurations);
        stored.stream().filter(c -> !given.contains(c.pid())).forEach(all::add);
        return List.copyOf(all);
    }

    /** The configurations of one factory PID, stored ones included. */
    public List<FactoryConfiguration> of(String factoryPid) {
        return awaited().stream().filter(c -> c.factoryPid().equals(factoryPid)).toList();
    }
}
