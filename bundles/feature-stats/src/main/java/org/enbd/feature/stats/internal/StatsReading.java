package org.enbd.feature.stats.internal;

import java.time.Instant;
import java.util.List;

/**
 * What the stats feature says about one export at one moment: what STATS_QUERY answers (as JSON, see
 * {@link StatsJson}), what the StatusBoard shows and what {@code enbd stats} prints (see {@link StatsTable}).
 *
 * @param export      the export's name ("" is the default export)
 * @param since       when the feature was attached to the export: the counters start there
 * @param open        connections open now
 * @param total       connections opened since {@code since}
 * @param counters    the export's counters (every connection's requests, closed connections included)
 * @param connections each open connection's own counters, in the order they were opened (empty when the
 *                    feature is configured not to show them)
 */
record StatsReading(String export, Instant since, int open, long total, Counters.Snapshot counters,
                    List<Connection> connections) {
    StatsReading {
        connections = List.copyOf(connections);
    }

    /** One open connection's counters. */
    record Connection(long id, String peer, Instant since, Counters.Snapshot counters) {
    }
}
