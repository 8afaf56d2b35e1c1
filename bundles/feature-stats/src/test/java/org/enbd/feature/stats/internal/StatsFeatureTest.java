package org.enbd.feature.stats.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.enbd.api.control.Status;
import org.enbd.api.control.StatusBoard;
import org.enbd.api.layer.AttachedFeature;
import org.enbd.api.layer.ExportContext;
import org.enbd.api.layer.ExportEvents;
import org.enbd.api.layer.Layer;
import org.enbd.api.layer.SessionContext;
import org.enbd.runtime.internal.MemoryStatusBoard;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class StatsFeatureTest {
    /** A board that also keeps every report, to see what was refreshed and when. */
    private static final class Board implements StatusBoard {
        final List<Status> reports = new CopyOnWriteArrayList<>();
        private final MemoryStatusBoard board = new MemoryStatusBoard();

        @Override
        public void report(Status status) {
            reports.add(status);
            board.report(status);
        }

        @Override
        public void remove(String id) {
            board.remove(id);
        }

        @Override
        public List<Status> snapshot() {
            return board.snapshot();
        }

        @Override
        public Optional<Status> get(String id) {
            return board.get(id);
        }

        @Override
        public Status await(String id, Predicate<Status> until, Duration timeout) {
            throw new UnsupportedOperationException();
        }
    }

    private final Board board = new Board();
    /** An interval long enough that only the test refreshes. */
    private final StatsFeature feature = new StatsFeature(board, 3600, true, Clock.systemUTC());
    private final ExportContext disk = new ExportContext("disk", false, Map.of());

    @AfterEach
    void deactivate() throws InterruptedException {
        feature.deactivate();
    }

    @Test
    void anAttachedExportIsShownAtOnceUnderStatsAndItsName() throws Exception {
        try (AttachedFeature attached = feature.attach(disk, ExportEvents.NONE)) {
            Status status = board.get("stats:disk").orElseThrow();
            assertEquals("stats", status.kind());
            assertEquals(Status.State.UP, status.state());
            assertEquals("read 0 B in 0 requests, write 0 B in 0 requests, no errors, 0 connections",
                    status.detail());
            assertEquals(0L, status.attributes().get("write.bytes"));
        }
    }

    @Test
    void aRefreshShowsNewCountersAndOnlyWhenTheyChanged() throws Exception {
        try (AttachedFeature attached = feature.attach(disk, ExportEvents.NONE)) {
            Layer layer = attached.open(new ScriptedLayer(), SessionContext.plain(disk, "peer"));
            layer.write(0, Unpooled.wrappedBuffer(new byte[3 << 20]), 0);
            int before = board.reports.size();

            feature.refresh();
            feature.refresh();

            assertEquals(before + 1, board.reports.size(), "the second refresh had nothing new to show");
            Status status = board.get("stats:disk").orElseThrow();
            assertEquals((long) (3 << 20), status.attributes().get("write.bytes"));
            assertEquals(1L, status.attributes().get("write.requests"));
            assertEquals(1, status.attributes().get("connections.open"));
            assertEquals("read 0 B in 0 requests, write 3.0 MiB in 1 request, no errors, 1 connection",
                    status.detail());
        }
    }

    @Test
    void aDetachedExportsStatusIsRemoved() {
        AttachedFeature attached = feature.attach(disk, ExportEvents.NONE);
        attached.close();

        assertTrue(board.get("stats:disk").isEmpty());
        feature.refresh();
        assertTrue(board.get("stats:disk").isEmpty(), "a refresh does not bring it back");
    }

    @Test
    void anExportRebuiltKeepsItsStatusWhileTheOldAttachmentGoes() {
        AttachedFeature old = feature.attach(disk, ExportEvents.NONE);
        AttachedFeature rebuilt = feature.attach(disk, ExportEvents.NONE);

        old.close();

        assertTrue(board.get("stats:disk").isPresent());
        rebuilt.close();
        assertTrue(board.get("stats:disk").isEmpty());
    }

    @Test
    void deactivatingStopsTheStatusThreadAndRemovesTheStatuses() throws Exception {
        StatsFeature other = new StatsFeature(board, 1, true, Clock.systemUTC());
        other.attach(new ExportContext("", false, Map.of()), ExportEvents.NONE);
        assertTrue(board.get("stats:").isPresent(), "the default export is stats:");

        other.deactivate();

        assertTrue(board.get("stats:").isEmpty());
        assertEquals(1, statusThreads(), "only this test's own feature still has its thread");
    }

    private static long statusThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("enbd-stats-status"))
                .filter(Thread::isAlive).count();
    }

    @Test
    void theStatusThreadIsJoinedOnDeactivate() throws Exception {
        long before = statusThreads();
        StatsFeature other = new StatsFeature(board, 1, true, Clock.systemUTC());
        other.deactivate();
        assertEquals(before, statusThreads());
        assertFalse(before > 1, "each test deactivates what it starts");
    }
}

