package org.enbd.feature.async.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.layer.ExportContext;
import org.enbd.api.layer.Layer;
import org.enbd.api.layer.RequestFlags;
import org.junit.jupiter.api.Test;

/** ack-late, as a client device's kernel or local client sees it through the feature. */
class AckLateLayerTest {
    private static final PooledByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;

    private final HeldLayer below = new HeldLayer(1 << 20);

    private Layer open(String window) throws NbdException {
        return new AsyncFeature("16M").attach(new ExportContext("disk", false, Map.of("async.window", window)),
                null).open(below, null);
    }

    private static ByteBuf bytes(int length, int value) {
        byte[] b = new byte[length];
        Arrays.fill(b, (byte) value);
        return Unpooled.wrappedBuffer(b);
    }

    private static boolean done(CompletionStage<?> stage) {
        return stage.toCompletableFuture().isDone();
    }

    private static byte[] read(Layer layer, long offset, int length) throws Exception {
        ByteBuf buf = layer.read(offset, length, 0, ALLOC).toCompletableFuture().get();
        try {
            return ByteBufUtil.getBytes(buf);
        } finally {
            buf.release();
        }
    }

    @Test
    void aWriteIsAcknowledgedOnceCopiedBeforeTheLayerBelowAnswers() throws Exception {
        Layer layer = open("64K");
        ByteBuf data = bytes(4096, 7);
        CompletionStage<Void> ack = layer.write(0, data, 0);
        assertTrue(done(ack), "acknowledged at once");
        Arrays.fill(data.array(), (byte) 9); // the caller reuses its buffer after the acknowledgement
        assertEquals(1, below.writesArrived());
        assertFalse(below.writes.getFirst().stage().isDone(), "the server has not answered");
        below.answer(0);
        assertEquals(7, below.memory[100], "what was written is what the caller gave, not its reused buffer");
    }

    @Test
    void beyondTheWindowAWriteWaitsForAnswersAndKeepsItsOrder() throws Exception {
        Layer layer = open("8K");
        CompletionStage<Void> first = layer.write(0, bytes(4096, 1), 0);
        CompletionStage<Void> second = layer.write(4096, bytes(4096, 2), 0);
        CompletionStage<Void> third = layer.write(8192, bytes(4096, 3), 0);
        CompletionStage<Void> fourth = layer.write(12288, bytes(512, 4), 0);
        assertTrue(done(first) && done(second));
        assertFalse(done(third), "8 KiB are unanswered: the window is full");
        assertFalse(done(fourth), "a smaller write does not overtake the one waiting");
        assertEquals(2, below.writesArrived());

        below.answer(1);
        assertTrue(done(third) && !done(fourth), "room for one");
        below.answer(0);
        assertTrue(done(fourth));
        assertEquals(List.of("write 0+4096", "write 4096+4096", "write 8192+4096", "write 12288+512"),
                below.calls);
    }

    @Test
    void overlappingWritesReachTheLayerBelowOneAfterTheOtherInOrder() throws Exception {
        Layer layer = open("1M");
        layer.write(0, bytes(8192, 1), 0);
        layer.write(4096, bytes(8192, 2), 0); // overlaps the first
        layer.write(65536, bytes(4096, 3), 0); // does not: pipelined
        assertEquals(List.of("write 0+8192", "write 65536+4096"), below.calls,
                "the overlapping write waits for the first one's answer");
        below.answer(0);
        assertEquals("write 4096+8192", below.calls.get(2));
        below.answer(2);
        below.answer(1);
        assertEquals(1, below.memory[4095]);
        assertEquals(2, below.memory[4096], "the later write landed last");
    }

    @Test
    void aReadSeesAcknowledgedWritesThatTheLayerBelowHasNotYet() throws Exception {
        Layer layer = open("1M");
        layer.write(1000, bytes(100, 5), 0);
        layer.write(1050, bytes(100, 6), 0);
        byte[] seen = read(layer, 900, 400);
        assertEquals(0, seen[99]);
        assertEquals(5, seen[100]);
        assertEquals(5, seen[149]);
        assertEquals(6, seen[150], "the later of two overlapping writes wins");
        assertEquals(6, seen[249]);
        assertEquals(0, seen[250]);
        assertEquals(0, below.memory[1000], "all of it from the copies");
        below.answer(0);
        below.answer(1);
        assertArrayEquals(seen, read(layer, 900, 400), "the same once they landed");
    }

    @Test
    void aFlushWaitsForEveryEarlierWriteThenGoesBelow() throws Exception {
        Layer layer = open("1M");
        layer.write(0, bytes(4096, 1), 0);
        layer.write(8192, bytes(4096, 2), 0);
        CompletionStage<Void> flush = layer.flush(0);
        assertFalse(done(flush));
        assertFalse(below.calls.contains("flush"), "not before the writes it covers are answered");
        below.answer(1);
        assertFalse(done(flush));
        below.answer(0);
        assertTrue(done(flush));
        assertEquals("flush", below.calls.getLast());
    }

    @Test
    void aWriteThatFailsAfterItsAckFailsTheNextFlushOnceAndTheWritesUntilThen() throws Exception {
        Layer layer = open("1M");
        assertTrue(done(layer.write(0, bytes(4096, 1), 0)));
        below.fail(0, NbdError.ENOSPC);
        ExecutionException write = assertThrows(ExecutionException.class,
                () -> layer.write(4096, bytes(4096, 2), 0).toCompletableFuture().get());
        assertTrue(write.getCause().getMessage().contains("acknowledged before it reached the server"),
                write.getCause().getMessage());
        ExecutionException flush = assertThrows(ExecutionException.class,
                () -> layer.flush(0).toCompletableFuture().get());
        NbdException reported = (NbdException) flush.getCause();
        assertEquals(NbdError.EIO, reported.error());
        assertTrue(reported.getMessage().contains("4096 bytes at 0") && reported.getMessage().contains("ENOSPC"),
                reported.getMessage());
        assertFalse(below.calls.contains("flush"), "a flush that reports a lost write does not claim success");

        layer.flush(0).toCompletableFuture().get(); // reported once: the next one is a real flush again
        assertEquals("flush", below.calls.getLast());
        assertTrue(done(layer.write(4096, bytes(4096, 2), 0)));
    }

    @Test
    void aFailureReleasesTheWritesWaitingForTheWindowWithIt() throws Exception {
        Layer layer = open("4K");
        layer.write(0, bytes(4096, 1), 0);
        CompletableFuture<Void> waiting = layer.write(4096, bytes(4096, 2), 0).toCompletableFuture();
        assertFalse(waiting.isDone());
        below.fail(0, NbdError.EIO);
        assertTrue(waiting.isCompletedExceptionally(), "not left hanging, not acknowledged");
        assertEquals(1, below.writesArrived());
    }

    @Test
    void aFuaWriteIsNotAcknowledgedBeforeTheLayerBelowAnswers() throws Exception {
        Layer layer = open("1M");
        layer.write(0, bytes(4096, 1), 0);
        CompletionStage<Void> fua = layer.write(0, bytes(4096, 2), RequestFlags.FUA);
        assertFalse(done(fua));
        assertEquals(1, below.writesArrived(), "after the write it overlaps");
        below.answer(0);
        assertEquals(2, below.writesArrived());
        assertFalse(done(fua), "its caller asked to know it is durable");
        below.answer(1);
        assertTrue(done(fua));
        assertEquals(RequestFlags.FUA, below.writes.get(1).flags());
    }

    @Test
    void aZeroIsPassedOnOnlyAfterTheWritesItOverlaps() throws Exception {
        Layer layer = open("1M");
        layer.write(0, bytes(4096, 1), 0);
        CompletionStage<Void> zero = layer.zero(0, 8192, 0);
        assertFalse(done(zero));
        assertFalse(below.calls.contains("zero 0+8192"), "an older write must not land after the zero");
        below.answer(0);
        assertTrue(done(zero));
        assertEquals(0, below.memory[10]);
    }

    @Test
    void parametersAreCheckedWithMessagesThatSayWhatIsAccepted() {
        NbdException mode = assertThrows(NbdException.class, () -> new AsyncFeature("16M").attach(
                new ExportContext("disk", false, Map.of("async", "no-reply")), null));
        assertTrue(mode.getMessage().contains("async=no-reply is not a mode (ack-late or no-ack)"), mode.getMessage());
        assertDoesNotThrow(() -> new AsyncFeature("16M").attach(
                new ExportContext("disk", false, Map.of("async", "no-ack")), null));
        NbdException window = assertThrows(NbdException.class, () -> AsyncFeature.window("x", "2T"));
        assertTrue(window.getMessage().contains("from 4K to 1G"), window.getMessage());
        NbdException unknown = assertThrows(NbdException.class, () -> new AsyncFeature("16M").attach(
                new ExportContext("disk", false, Map.of("async.windw", "1M")), null));
        assertTrue(unknown.getMessage().contains("async.windw"), unknown.getMessage());
        assertEquals(16L << 20, assertDoesNotThrow(() -> AsyncFeature.window("x", "16m")));
    }

    private static <T> T assertDoesNotThrow(org.junit.jupiter.api.function.ThrowingSupplier<T> s) {
        return org.junit.jupiter.api.Assertions.assertDoesNotThrow(s);
    }
}
