package org.enbd.feature.stats.internal;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.enbd.api.control.Status;
import org.enbd.api.control.StatusBoard;
import org.enbd.api.layer.AttachedFeature;
import org.enbd.api.layer.ExportContext;
import org.enbd.api.layer.ExportEvents;
import org.enbd.api.layer.Feature;
import org.enbd.feature.stats.StatsControl;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code stats} feature: ENBD's accounting. Each export it is attached to gets an {@link ExportStats}; one
 * scheduler thread of this component refreshes every export's {@code stats:EXPORT} status on the StatusBoard at
 * most once per interval, and only when something changed. STATS_QUERY (control type 0x0300) is answered by
 * each connection's {@link StatsLayer}.
 */
@Component(service = Feature.class, configurationPid = StatsFeature.PID,
        property = {Feature.NAME + "=" + StatsFeature.NAME,
                Feature.CONTROL_TYPES + ":Integer=" + StatsControl.QUERY})
@Designate(ocd = StatsConfig.class)
public final class StatsFeature implements Feature {
    static final String NAME = "stats";
    static final String PID = "org.enbd.feature.stats";
    /** Where an export's counters are shown: {@code stats:disk}, {@code stats:} for the default export. */
    static final String STATUS_PREFIX = "stats:";

    private static final Logger LOG = LoggerFactory.getLogger(StatsFeature.class);

    private final StatusBoard board;
    private final boolean showConnections;
    private final Clock clock;
    /** Each attached export with what its status last showed (null before the first refresh). */
    private final Map<ExportStats, Shown> attached = new ConcurrentHashMap<>();
    private final ScheduledExecutorService refresher;
    /** The refresher's thread (a new one if a task ever killed it), joined on deactivate. */
    private final List<Thread> threads = new CopyOnWriteArrayList<>();

    /** What a status showed, to refresh it only when that changes. */
    private record Shown(long requests, long errors, int open, long total) {
        static Shown of(StatsReading r) {
            return new Shown(r.counters().requests(), r.counters().wireErrors() + r.counters().mediumErrors(),
                    r.open(), r.total());
        }
    }

    @Activate
    public StatsFeature(@Reference StatusBoard board, StatsConfig config) {
        this(board, config.statusIntervalSeconds(), config.connections(), Clock.systemUTC());
    }

    /** The feature without OSGi (tests, embedding): as the configuration's attributes say, on {@code clock}. */
    public StatsFeature(StatusBoard board, int intervalSeconds, boolean showConnections, Clock clock) {
        this.board = board;
        this.showConnections = showConnections;
        this.clock = clock;
        long interval = Math.max(1, intervalSeconds);
        refresher = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = Thread.ofPlatform().name("enbd-stats-status").daemon().unstarted(task);
            threads.add(thread);
            return thread;
        });
        refresher.scheduleWithFixedDelay(this::refresh, interval, interval, TimeUnit.SECONDS);
    }

    @Override
    public AttachedFeature attach(ExportContext export, ExportEvents events) {
        ExportStats stats = new ExportStats(export, clock, showConnections, this::detached);
        attached.put(stats, new Shown(-1, -1, -1, -1));
        show(stats);
        return stats;
    }

    /** Refreshes the status of every export whose counters changed since it was last shown. */
    void refresh() {
        try {
            attached.keySet().forEach(this::show);
        } catch (RuntimeException e) { // a scheduled task that throws is never run again
            LOG.warn("cannot refresh the stats statuses", e);
        }
    }

    private void show(ExportStats stats) {
        StatsReading reading = stats.read();
        Shown now = Shown.of(reading);
        Shown before = attached.get(stats);
        if (before == null || before.equals(now) || !attached.replace(stats, before, now)) {
            return;
        }
        board.report(new Status(statusId(stats.name()), "stats", Status.State.UP, StatsTable.summary(reading),
                attributes(reading), reading.since()));
        if (!attached.containsKey(stats)) { // detached meanwhile: take back what was just shown
            removeStatus(stats.name());
        }
    }

    private void detached(ExportStats stats) {
        attached.remove(stats);
        removeStatus(stats.name());
    }

    /** Forgets an export's status unless another attachment (an export being rebuilt) shows it. */
    private void removeStatus(String export) {
        if (attached.keySet().stream().noneMatch(s -> s.name().equals(export))) {
            board.remove(statusId(export));
        }
    }

    static String statusId(String export) {
        return STATUS_PREFIX + export;
    }

    /** The figures as flat status attributes: {@code read.requests}, {@code write.errors.medium}, ... */
    static Map<String, Object> attributes(StatsReading reading) {
        Map<String, Object> attributes = new LinkedHashMap<>();
        attributes.put("connections.open", reading.open());
        attributes.put("connections.total", reading.total());
        attributes.put("requests", reading.counters().requests());
        attributes.put("errors.wire", reading.counters().wireErrors());
        attributes.put("errors.medium", reading.counters().mediumErrors());
        for (Counters.Figures f : reading.counters().commands()) {
            String c = f.command().label;
            attributes.put(c + ".requests", f.requests());
            attributes.put(c + ".bytes", f.bytes());
            attributes.put(c + ".errors.wire", f.wireErrors());
            attributes.put(c + ".errors.medium", f.mediumErrors());
            attributes.put(c + ".p50BelowUs", f.quantileBelowMicros(0.5));
            attributes.put(c + ".p99BelowUs", f.quantileBelowMicros(0.99));
        }
        return attributes;
    }

    /** Stops the status thread (joined) and removes the statuses it showed. */
    @Deactivate
    public void deactivate() throws InterruptedException {
        refresher.shutdownNow();
        if (!refresher.awaitTermination(10, TimeUnit.SECONDS)) {
            LOG.warn("the stats status thread did not stop within 10 s");
        }
        for (Thread thread : threads) {
            thread.join(); // the executor has terminated: the thread is leaving
        }
        Set<String> names = ConcurrentHashMap.newKeySet();
        attached.keySet().forEach(s -> names.add(s.name()));
        attached.clear();
        names.forEach(name -> board.remove(statusId(name)));
    }
}
