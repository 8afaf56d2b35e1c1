package org.enbd.feature.stats.internal;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.enbd.api.layer.AttachedFeature;
import org.enbd.api.layer.ExportContext;
import org.enbd.api.layer.Layer;
import org.enbd.api.layer.SessionContext;

/**
 * The stats feature attached to one export: the export's counters, shared by its connections, and the
 * connections open now with their own. Each connection gets a {@link StatsLayer}.
 */
final class ExportStats implements AttachedFeature {
    /** One open connection: a number unique within the export, its peer and its counters. */
    record Connection(long id, String peer, Instant since, Counters counters) {
    }

    private final ExportContext export;
    private final Clock clock;
    private final Instant since;
    private final boolean showConnections;
    private final Consumer<ExportStats> detached;
    private final Counters counters = new Counters();
    private final Map<Long, Connection> open = new ConcurrentSkipListMap<>();
    private final AtomicLong opened = new AtomicLong();

    /**
     * @param showConnections whether readings list each open connection
     * @param detached        told once when the export lets the feature go
     */
    ExportStats(ExportContext export, Clock clock, boolean showConnections, Consumer<ExportStats> detached) {
        this.export = export;
        this.clock = clock;
        this.since = clock.instant();
        this.showConnections = showConnections;
        this.detached = detached;
    }

    @Override
    public Layer open(Layer next, SessionContext session) {
        long id = opened.incrementAndGet();
        Connection connection = new Connection(id, session.peer(), clock.instant(), new Counters());
        open.put(id, connection);
        return new StatsLayer(next, this, connection);
    }

    /** The export's name ("" is the default export). */
    String name() {
        return export.exportName();
    }

    Counters counters() {
        return counters;
    }

    void closed(Connection connection) {
        open.remove(connection.id());
    }

    /** Everything: what the StatusBoard shows. */
    StatsReading read() {
        return read(null);
    }

    /**
     * The export as its connections other than {@code asker} use it: a query's own connection is left out of the
     * open connections it reports (it is still in the total).
     */
    StatsReading read(Connection asker) {
        List<StatsReading.Connection> connections = new ArrayList<>();
        int others = 0;
        for (Connection c : open.values()) {
            if (c == asker) {
                continue;
            }
            others++;
            if (showConnections) {
                connections.add(new StatsReading.Connection(c.id(), c.peer(), c.since(), c.counters().snapshot()));
            }
        }
        return new StatsReading(export.exportName(), since, others, opened.get(), counters.snapshot(), connections);
    }

    /** STATS_QUERY's answer to the connection that asked. */
    String json(Connection asker) {
        return StatsJson.write(read(asker));
    }

    @Override
    public void close() {
        detached.accept(this);
    }
}
