package org.enbd.launcher;

import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code enbd stats URI}: the counters of an export served by a running ENBD-J server (or a client's local
 * endpoint) with the stats feature, asked once over ENBD-J's control channel by the stats bundle's query
 * component, printed as a table or as the JSON document it answered. {@code enbd stats [EXPORT] [--pid PID]}:
 * the same counters read from a server running on this machine as this user, over its local JMX agent (no
 * framework is started).
 */
@Command(name = "stats", mixinStandardHelpOptions = true, showDefaultValues = true, usageHelpAutoWidth = true,
        description = {"Print the counters of an export that a running ENBD-J server serves with the stats "
                + "feature (--export NAME=SPEC,features=stats): requests, bytes, errors and latency per command. "
                + "With a URI, ask the server over the network (ENBD-J's control channel): the export and each "
                + "open connection. With an export's name, or nothing (every counted export), read a server that "
                + "runs on this machine as this user (its JMX MBeans, as jcmd attaches; --pid when several run)."},
        footer = {"", "Exit status: 0 with the counters printed; 1 when the server cannot be reached, is not an "
                + "ENBD-J server, runs nowhere here, or the export has no stats feature; 2 on a usage error."})
final class StatsCommand implements Callable<Integer> {
    private final Actions actions;

    @ParentCommand
    EnbdCommand parent;

    @Spec
    CommandSpec spec;

    @Parameters(arity = "0..1", paramLabel = "URI|EXPORT",
            description = "The export: nbd://HOST[:PORT]/EXPORT or nbd+unix:///EXPORT?socket=PATH over the network; "
                    + "or the name of an export of a server running here (\"\" for the default export); none: "
                    + "every counted export of the servers running here.")
    String uri;

    @Option(names = "--pid", paramLabel = "PID", description = "The local server to read (see enbd list), when "
            + "several run.")
    Long pid;

    @Option(names = "--json", description = "Print one line of JSON instead of a table: the STATS_QUERY document as "
            + "the server sent it, or for a local server one line per export, in the same shape, with its pid.")
    boolean json;

    StatsCommand(Actions actions) {
        this.actions = actions;
    }

    @Override
    public Integer call() throws Exception {
        if (uri == null || !NbdUri.looksLikeUri(uri)) {
            if (pid != null && pid < 1) {
                throw usage("--pid must be a process id (see enbd list)");
            }
            return actions.localStats(java.util.Optional.ofNullable(uri), java.util.Optional.ofNullable(pid), json);
        }
        if (pid != null) {
            throw usage("--pid reads a local server: give an export's name, not a URI");
        }
        return actions.stats(plan().withLog(parent.logTarget()), json);
    }

    /** The one query configuration this command line asks for. */
    LaunchPlan plan() {
        if (uri == null) {
            throw usage("missing the export's URI, e.g. nbd://127.0.0.1:10809/disk");
        }
        NbdUri.problem(uri).ifPresent(problem -> {
            throw usage("'" + uri + "' " + problem + ": " + NbdUri.EXPECTED);
        });
        // the query gives up a little before the launcher does, so its reason is what the user reads
        int timeoutSeconds = (int) Math.max(1, parent.startTimeout().toSeconds() * 4 / 5);
        FactoryConfiguration query = new FactoryConfiguration(FactoryConfiguration.STATS_QUERY, "query",
                "stats of " + uri, Map.of("uri", uri, "timeoutSeconds", timeoutSeconds));
        return new LaunchPlan("stats", List.of(query), List.of(), ConsoleSettings.OFF, false, parent.verbose,
                parent.startTimeout());
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }
}
