package org.enbd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.enbd.api.NbdException;
import org.enbd.api.layer.Capabilities;
import org.enbd.api.layer.ForwardingLayer;
import org.enbd.api.layer.Layer;
import org.enbd.api.layer.RequestFlags;
import org.enbd.backend.memory.internal.MemoryLayer;
import org.enbd.protocol.Command;
import org.enbd.protocol.NbdMagic;
import org.enbd.protocol.ReplyFormat;
import org.enbd.protocol.TransmissionFlags;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The transmission phase fed raw request bytes on an EmbeddedChannel, as the kernel would send them. */
class TransmissionPhaseTest {
    private static final int SIZE = 4 << 20;
    private final MemoryLayer memory = new MemoryLayer(SIZE, false);
    private EmbeddedChannel channel;

    @AfterEach
    void close() {
        if (channel != null) {
            channel.finishAndReleaseAll();
        }
        memory.close();
    }

    private TransmissionPhase install(Layer layer, ReplyFormat format, ServerLimits limits) throws NbdException {
        channel = new EmbeddedChannel();
        return TransmissionPhase.install(channel, layer, layer.capabilities(), layer.size(), format, limits);
    }

    private void send(Command command, int flags, long cookie, long offset, long length, byte[] data) {
        ByteBuf b = Unpooled.buffer().writeInt(NbdMagic.REQUEST).writeShort(flags).writeShort(command.value())
                .writeLong(cookie).writeLong(offset).writeInt((int) length);
        if (data != null) {
            b.writeBytes(data);
        }
        channel.writeInbound(b);
        channel.runPendingTasks();
    }

    /** Reads one simple reply; returns {error, cookie} and the data for a read of {@code dataLength}. */
    private long[] simpleReply(ByteBuf all) {
        assertEquals(NbdMagic.SIMPLE_REPLY, all.readInt());
        return new long[] {all.readInt(), all.readLong()};
    }

    private ByteBuf outbound() {
        channel.runPendingTasks();
        ByteBuf all = Unpooled.buffer();
        Object o;
        while ((o = channel.readOutbound()) != null) {
            ByteBuf b = (ByteBuf) o;
            all.writeBytes(b);
            b.release();
        }
        return all;
    }

    @Test
    void flagsAreDerivedFromCapabilities() {
        int flags = TransmissionPhase.transmissionFlags(memory.capabilities(), ReplyFormat.SIMPLE);
        assertTrue(TransmissionFlags.has(flags, TransmissionFlags.SEND_TRIM | TransmissionFlags.SEND_FUA));
        assertTrue(TransmissionFlags.has(flags, TransmissionFlags.CAN_MULTI_CONN));
        assertFalse(TransmissionFlags.has(flags, TransmissionFlags.SEND_DF), "DF needs structured replies");
        int ro = TransmissionPhase.transmissionFlags(Capabilities.builder().build(), ReplyFormat.STRUCTURED);
        assertEquals(TransmissionFlags.HAS_FLAGS | TransmissionFlags.READ_ONLY | TransmissionFlags.SEND_DF, ro);
    }

    @Test
    void aWholeLargeReplyFitsBelowTheWaterMarkSoReadingGoesOn() throws Exception {
        install(memory, ReplyFormat.SIMPLE, ServerLimits.DEFAULT);
        send(Command.READ, 0, 1, 0, 1 << 20, null);
        send(Command.READ, 0, 2, 1 << 20, 1 << 20, null);
        // two 1 MiB replies queued, not yet flushed to a slow peer: the connection keeps reading requests
        assertTrue(channel.config().getWriteBufferHighWaterMark() > 2 << 20);
        assertTrue(channel.config().isAutoRead());
        outbound().release();
    }

    @Test
    void writeThenReadWithSimpleReplies() throws Exception {
        install(memory, ReplyFormat.SIMPLE, ServerLimits.DEFAULT);
        send(Command.WRITE, RequestFlags.FUA, 7, 4096, 5, new byte[] {1, 2, 3, 4, 5});
        send(Command.READ, 0, 8, 4096, 5, null);
        ByteBuf out = outbound();
        assertEquals(0, simpleReply(out)[0]);
        long[] read = simpleReply(out);
        assertEquals(8, read[1]);
        byte[] data = new byte[5];
        out.readBytes(data);
        assertEquals(List.of((byte) 1, (byte) 2, (byte) 3, (byte) 4, (byte) 5),
                List.of(data[0], data[1], data[2], data[3], data[4]));
        assertFalse(out.isReadable());
        out.release();
    }

    @Test
    void badRequestsGetErrorsAndTheConnectionGoesOn() throws Exception {
        install(memory, ReplyFormat.SIMPLE, ServerLimits.DEFAULT);
        send(Command.READ, 0, 1, SIZE - 10, 20, null);                 // past the end
        send(Command.READ, 0, 2, -512L, 512, null);                   // offset overflows
        send(Command.WRITE, 0, 3, SIZE, 1, new byte[1]);               // write past the end
        send(Command.READ, RequestFlags.NO_HOLE, 4, 0, 1, null);      // flag not for READ
        send(Command.BLOCK_STATUS, 0, 5, 0, 512, null);               // no meta context negotiated
        channel.writeInbound(Unpooled.buffer().writeInt(NbdMagic.REQUEST).writeShort(0).writeShort(99)
                .writeLong(6).writeLong(0).writeInt(0));               // unknown command
        send(Command.READ, 0, 7, 0, 1, null);
        ByteBuf out = outbound();
        int[] expected = {22, 22, 28, 22, 22, 22, 0};
        for (int i = 0; i < expected.length; i++) {
            long[] r = simpleReply(out);
            assertEquals(expected[i], r[0], "reply " + (i + 1));
            assertEquals(i + 1, r[1]);
        }
        out.skipBytes(1);
        assertFalse(out.isReadable());
        out.release();
        assertTrue(channel.isActive());
    }

    @Test
    void oversizedReadIsRefusedWithoutReadingIt() throws Exception {
        install(memory, ReplyFormat.SIMPLE, ServerLimits.DEFAULT.withMaxPayload(4096));
        send(Command.READ, 0, 1, 0, 8192, null);
        ByteBuf out = outbound();
        assertEquals(22, simpleReply(out)[0]);
        out.release();
    }

    @Test
    void discFinishesInFlightRequestsThenCloses() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Layer slow = new GatedFlush(memory, release, new ArrayList<>());
        TransmissionPhase phase = install(slow, ReplyFormat.SIMPLE, ServerLimits.DEFAULT);
        send(Command.FLUSH, 0, 1, 0, 0, null);
        send(Command.DISC, 0, 2, 0, 0, null);
        assertTrue(channel.isActive(), "the flush is still in flight");
        release.countDown();
        runUntil(() -> !channel.isActive());
        assertFalse(channel.isActive());
        ByteBuf out = outbound();
        long[] r = simpleReply(out);
        assertEquals(0, r[0]);
        assertEquals(1, r[1]);
        out.release();
    }

    @Test
    void drainAnswersNewRequestsWithEshutdown() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        List<String> order = new ArrayList<>();
        Layer slow = new GatedFlush(memory, release, order);
        TransmissionPhase phase = install(slow, ReplyFormat.SIMPLE, ServerLimits.DEFAULT);
        send(Command.FLUSH, 0, 1, 0, 0, null);
        phase.drain();
        channel.runPendingTasks();
        send(Command.READ, 0, 2, 0, 512, null);
        ByteBuf first = outbound();
        long[] refused = simpleReply(first);
        assertEquals(108, refused[0]);
        assertEquals(2, refused[1]);
        first.release();
        release.countDown();
        runUntil(() -> !channel.isActive());
        assertFalse(channel.isActive());
        assertEquals(List.of("flushed"), order);
        ByteBuf rest = outbound();
        assertEquals(1, simpleReply(rest)[1]);
        rest.release();
    }

    @Test
    void tooManyInFlightStopsReading() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Layer slow = new GatedFlush(memory, release, new ArrayList<>());
        install(slow, ReplyFormat.SIMPLE, ServerLimits.DEFAULT.withMaxInFlight(2));
        send(Command.FLUSH, 0, 1, 0, 0, null);
        assertTrue(channel.config().isAutoRead());
        send(Command.FLUSH, 0, 2, 0, 0, null);
        assertFalse(channel.config().isAutoRead());
        release.countDown();
        runUntil(() -> channel.config().isAutoRead());
        assertTrue(channel.config().isAutoRead());
        outbound().release();
        assertNull(channel.readOutbound());
    }

    /** Runs the channel's tasks until {@code done} holds, for up to 5 seconds. */
    private void runUntil(java.util.function.BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!done.getAsBoolean() && System.nanoTime() < deadline) {
            channel.runPendingTasks();
            Thread.sleep(5);
        }
    }

    /** A layer whose flush completes once {@code release} is counted down (on another thread), noting "flushed". */
    private static final class GatedFlush extends ForwardingLayer {
        private final CountDownLatch release;
        private final List<String> order;

        GatedFlush(Layer next, CountDownLatch release, List<String> order) {
            super(next);
            this.release = release;
            this.order = order;
        }

        @Override
        public java.util.concurrent.CompletionStage<Void> flush(int flags) {
            return java.util.concurrent.CompletableFuture.runAsync(() -> {
                try {
                    release.await(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                order.add("flushed");
            }, task -> Thread.ofPlatform().start(task));
        }
    }
}
