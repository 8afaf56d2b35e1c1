package org.enbd.feature.stats.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import org.enbd.api.NbdError;
import org.enbd.api.layer.ExportContext;
import org.enbd.api.layer.Layer;
import org.enbd.api.layer.SessionContext;
import org.enbd.feature.stats.StatsControl;
import org.junit.jupiter.api.Test;

class StatsLayerTest {
    private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;
    private final ExportContext context = new ExportContext("disk", false, Map.of());
    private final ExportStats export = new ExportStats(context, Clock.systemUTC(), true, s -> { });
    private final ScriptedLayer below = new ScriptedLayer();
    private final Layer layer = export.open(below, SessionContext.plain(context, "10.0.0.1:4000"));

    private Counters.Figures exportFigures(Command command) {
        return export.read().counters().of(command);
    }

    private Counters.Figures connectionFigures(Command command) {
        return export.read().connections().getFirst().counters().of(command);
    }

    @Test
    void aCompletedRequestIsCountedAtOnceAndItsOwnStageReturned() {
        CompletableFuture<Void> answer = CompletableFuture.completedFuture(null);
        below.next = answer;
        ByteBuf data = Unpooled.wrappedBuffer(new byte[4096]);

        CompletionStage<Void> stage = layer.write(8192, data, 0);

        assertSame(answer, stage, "nothing is allocated around a request that is already done");
        assertEquals(List.of("write 8192 4096"), below.calls);
        assertEquals(1, exportFigures(Command.WRITE).requests());
        assertEquals(4096, exportFigures(Command.WRITE).bytes());
        assertEquals(4096, connectionFigures(Command.WRITE).bytes(), "the connection counts it too");
    }

    @Test
    void aRequestStillRunningIsCountedBeforeTheCallerHearsItFinished() {
        CompletableFuture<ByteBuf> answer = new CompletableFuture<>();
        below.next = answer;
        AtomicLong seenByCaller = new AtomicLong(-1);

        CompletionStage<ByteBuf> stage = layer.read(0, 512, 0, ALLOC);
        stage.thenAccept(buf -> {
            seenByCaller.set(exportFigures(Command.READ).bytes());
            buf.release();
        });
        assertEquals(0, exportFigures(Command.READ).requests(), "not counted while it runs");

        answer.complete(ALLOC.buffer(512).writeZero(512));

        assertEquals(512, seenByCaller.get(), "the caller's reply comes after the counting");
        assertEquals(1, exportFigures(Command.READ).requests());
    }

    @Test
    void aFailedRequestCountsAnErrorOfItsClassAndNoBytes() {
        below.failure = ScriptedLayer.error(NbdError.ENOSPC);
        layer.write(0, Unpooled.wrappedBuffer(new byte[100]), 0);
        below.failure = ScriptedLayer.error(NbdError.EINVAL);
        layer.trim(0, 4096, 0);

        assertEquals(1, exportFigures(Command.WRITE).mediumErrors());
        assertEquals(0, exportFigures(Command.WRITE).bytes());
        assertEquals(1, exportFigures(Command.TRIM).wireErrors());
        assertEquals(1, connectionFigures(Command.TRIM).wireErrors());
    }

    @Test
    void aRequestThatFailsLaterIsCountedWhenItFails() {
        CompletableFuture<Void> answer = new CompletableFuture<>();
        below.next = answer;
        layer.flush(0);

        answer.completeExceptionally(ScriptedLayer.error(NbdError.EIO));

        assertEquals(1, exportFigures(Command.FLUSH).mediumErrors());
    }

    @Test
    void everyCommandIsCountedUnderItsOwnNameWithTheLengthItCovers() {
        layer.read(0, 100, 0, ALLOC).thenAccept(ByteBuf::release);
        layer.write(0, Unpooled.wrappedBuffer(new byte[200]), 0);
        layer.flush(0);
        layer.trim(0, 300, 0);
        layer.zero(0, 400, 0);
        layer.extents(0, 500, 0, (length, flags) -> true);
        layer.cache(0, 600, 0);
        layer.control(0x0101, Unpooled.wrappedBuffer(new byte[7]), ALLOC).thenAccept(ByteBuf::release);

        Counters.Snapshot s = export.read().counters();
        List<Long> bytes = s.commands().stream().map(Counters.Figures::bytes).toList();
        assertEquals(List.of(100L, 200L, 0L, 300L, 400L, 500L, 600L, 7L), bytes);
        assertTrue(s.commands().stream().allMatch(f -> f.requests() == 1), s.toString());
    }

    @Test
    void statsQueryIsAnsweredHereWithTheExportsJsonAndIsNotCounted() {
        layer.write(0, Unpooled.wrappedBuffer(new byte[1024]), 0);

        ByteBuf reply = layer.control(StatsControl.QUERY, Unpooled.EMPTY_BUFFER, ALLOC).toCompletableFuture().join();
        String json = reply.toString(StandardCharsets.UTF_8);
        reply.release();

        StatsReading answered = StatsJson.read(json);
        assertEquals("disk", answered.export());
        assertEquals(1024, answered.counters().of(Command.WRITE).bytes());
        assertEquals(List.of(), answered.connections(), "the asking connection is not listed");
        assertEquals(0, answered.open());
        assertEquals(1, answered.total());
        assertEquals(List.of("write 0 1024"), below.calls, "the query does not go down the stack");
        assertEquals(0, exportFigures(Command.CONTROL).requests(), "reading the counters does not change them");
    }

    @Test
    void statsQueryListsTheOtherOpenConnections() {
        Layer other = export.open(below, SessionContext.plain(context, "10.0.0.2:5000"));
        other.write(0, Unpooled.wrappedBuffer(new byte[300]), 0);

        ByteBuf reply = layer.control(StatsControl.QUERY, Unpooled.EMPTY_BUFFER, ALLOC).toCompletableFuture().join();
        StatsReading answered = StatsJson.read(reply.toString(StandardCharsets.UTF_8));
        reply.release();

        assertEquals(1, answered.open());
        assertEquals(2, answered.total());
        assertEquals("10.0.0.2:5000", answered.connections().getFirst().peer());
        assertEquals(300, answered.connections().getFirst().counters().of(Command.WRITE).bytes());
        assertEquals(2, export.read().open(), "the StatusBoard's reading has everyone");
    }

    @Test
    void otherControlMessagesPassOnAndAreCounted() {
        below.failure = ScriptedLayer.error(NbdError.ENOTSUP);
        CompletableFuture<ByteBuf> answer = layer.control(StatsControl.QUERY + 1, Unpooled.EMPTY_BUFFER, ALLOC)
                .toCompletableFuture();

        assertTrue(answer.isCompletedExceptionally());
        assertEquals(List.of("control 0x301"), below.calls);
        assertEquals(1, exportFigures(Command.CONTROL).wireErrors());
    }

    @Test
    void aClosedConnectionLeavesItsRequestsWithTheExport() {
        Layer second = export.open(below, SessionContext.plain(context, "10.0.0.2:5000"));
        layer.write(0, Unpooled.wrappedBuffer(new byte[10]), 0);
        second.write(0, Unpooled.wrappedBuffer(new byte[20]), 0);
        assertEquals(2, export.read().open());

        layer.close();

        StatsReading after = export.read();
        assertEquals(1, after.open());
        assertEquals(2, after.total());
        assertEquals("10.0.0.2:5000", after.connections().getFirst().peer());
        assertEquals(20, after.connections().getFirst().counters().of(Command.WRITE).bytes());
        assertEquals(30, after.counters().of(Command.WRITE).bytes());
    }

    @Test
    void sizeAndCapabilitiesAreTheLayerBelows() throws Exception {
        assertEquals(below.size(), layer.size());
        assertEquals(below.capabilities(), layer.capabilities());
    }
}
