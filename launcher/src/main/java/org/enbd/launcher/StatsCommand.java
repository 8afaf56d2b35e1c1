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
 * component, printed as a table or as the JSON document it answered.
 */
@Command(name = "stats", mixinStandardHelpOptions = true, showDefaultValues = true, usageHelpAutoWidth = true,
        description = {"Print the counters of an export that a running ENBD-J server serves with the stats "
                + "feature (--export NAME=SPEC,features=stats): requests, bytes, errors and latency per command, "
                + "for the export and each open connection."},
        footer = {"", "Exit status: 0 with the counters printed; 1 when the server cannot be reached, is not an "
                + "ENBD-J server, or the export has no stats feature; 2 on a usage error."})
final class StatsCommand implements Callable<Integer> {
    private final Actions actions;

    @ParentCommand
    EnbdCommand parent;

    @Spec
    CommandSpec spec;

    @Parameters(arity = "0..1", paramLabel = "URI",
            description = "The export: nbd://HOST[:PORT]/EXPORT or nbd+unix:///EXPORT?socket=PATH.")
    String uri;

    @Option(names = "--json", description = "Print the STATS_QUERY document as the server sent it (one line of "
            + "JSON) instead of a table.")
    boolean json;

    StatsCommand(Actions actions) {
        this.actions = actions;
    }

    @Override
    public Integer call() throws Exception {
        return actions.stats(plan(), json);
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
