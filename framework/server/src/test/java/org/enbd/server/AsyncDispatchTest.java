package org.enbd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.layer.ExportContext;
import org.enbd.api.layer.Layer;
import org.enbd.api.layer.RequestFlags;
import org.enbd.api.layer.SessionContext;
import org.enbd.api.layer.Support;
import org.enbd.protocol.Command;
import org.enbd.protocol.NbdMagic;
import org.enbd.protocol.ReplyFormat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Requests on a layer whose stages complete later: no thread per request, the reply goes out when the stage completes. */
class AsyncDispatchTest {
    private static final int SIZE = 1 << 20;
    private EmbeddedChannel channel;

    @AfterEach
    void close() {
        if (channel != null) {
            channel.finishAndReleaseAll();
        }
    }

    private PendingAsyncLayer install(Support fua, ServerLimits limits) {
        return install(fua, limits, new MemoryBudget(limits.serverBudget()));
    }

    private PendingAsyncLayer install(Support fua, ServerLimits limits, MemoryBudget shared) {
        PendingAsyncLayer layer = new PendingAsyncLayer(SIZE, fua);
        channel = new EmbeddedChannel();
        TransmissionPhase.install(channel, layer, layer.capabilities(), SIZE, ReplyFormat.SIMPLE, 0, false, limits,
                shared);
        return layer;
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

    /** Everything written so far, as one buffer. */
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

    /** {error, cookie} of the next simple reply. */
    private static long[] reply(ByteBuf out) {
        assertEquals(NbdMagic.SIMPLE_REPLY, out.readInt());
        return new long[] {out.readInt(), out.readLong()};
    }

    @Test
    void repliesGoOutWhenStagesCompleteInTheirOwnOrder() {
        PendingAsyncLayer layer = install(Support.NATIVE, ServerLimits.DEFAULT);
        send(Command.READ, 0, 1, 4096, 4, null);
        send(Command.WRITE, 0, 2, 0, 3, new byte[] {7, 8, 9});
        assertEquals(List.of("read 4096+4", "write 0+3"), layer.calls);
        assertEquals(List.of(3), layer.written);
        ByteBuf none = outbound();
        assertFalse(none.isReadable(), "nothing is answered before the layer is done");
        none.release();

        PendingAsyncLayer.Call read = layer.next();
        layer.next().stage().complete(null);   // the write finishes first
        ByteBuf first = outbound();
        assertEquals(2, reply(first)[1]);
        assertFalse(first.isReadable());
        first.release();

        read.stage().complete(Unpooled.wrappedBuffer(new byte[] {1, 2, 3, 4}));
        ByteBuf second = outbound();
        long[] r = reply(second);
        assertEquals(0, r[0]);
        assertEquals(1, r[1]);
        assertEquals(0x01020304, second.readInt());
        assertFalse(second.isReadable());
        second.release();
    }

    @Test
    void failedStagesAreMappedToTheirErrno() {
        PendingAsyncLayer layer = install(Support.NATIVE, ServerLimits.DEFAULT);
        send(Command.TRIM, 0, 1, 0, 512, null);
        send(Command.READ, 0, 2, 0, 512, null);
        send(Command.FLUSH, 0, 3, 0, 0, null);
        layer.next().stage().completeExceptionally(new NbdException(NbdError.ENOSPC, "full"));
        layer.next().stage().completeExceptionally(
                new CompletionException(new NbdException(NbdError.EIO, "remote gone")));
        layer.next().stage().completeExceptionally(new IllegalStateException("a bug below"));
        ByteBuf out = outbound();
        assertEquals(NbdError.ENOSPC.value(), reply(out)[0]);
        assertEquals(NbdError.EIO.value(), reply(out)[0]);
        assertEquals(NbdError.EIO.value(), reply(out)[0], "anything else is EIO");
        assertFalse(out.isReadable());
        out.release();
        assertTrue(channel.isActive());
    }

    @Test
    void emulatedFuaIsAFlushAfterTheWriteCompletes() {
        PendingAsyncLayer layer = install(Support.EMULATE, ServerLimits.DEFAULT);
        send(Command.WRITE, RequestFlags.FUA, 1, 512, 2, new byte[] {1, 2});
        assertEquals(List.of("write 512+2"), layer.calls, "FUA is not passed down when only emulated");
        layer.next().stage().complete(null);
        assertEquals(List.of("write 512+2", "flush"), layer.calls);
        ByteBuf none = outbound();
        assertFalse(none.isReadable(), "no reply before the flush completes");
        none.release();
        layer.next().stage().complete(null);
        ByteBuf out = outbound();
        assertEquals(1, reply(out)[1]);
        out.release();
    }

    @Test
    void inFlightStaysBounded() {
        PendingAsyncLayer layer = install(Support.NATIVE, ServerLimits.DEFAULT.withMaxInFlight(2));
        send(Command.FLUSH, 0, 1, 0, 0, null);
        assertTrue(channel.config().isAutoRead());
        send(Command.FLUSH, 0, 2, 0, 0, null);
        assertFalse(channel.config().isAutoRead(), "two in flight: reading stops");
        layer.next().stage().complete(null);
        channel.runPendingTasks();
        assertTrue(channel.config().isAutoRead());
        layer.next().stage().complete(null);
        outbound().release();
        assertNull(channel.readOutbound());
    }

    @Test
    void requestsBeyondTheConnectionBudgetAreNotDecodedUntilRepliesLeave() {
        // 3 MiB per connection: one 1 MiB READ and its reply fit twice, not three times
        PendingAsyncLayer layer = install(Support.NATIVE, limits(3L << 20, 64L << 20));
        for (int i = 1; i <= 5; i++) {
            send(Command.READ, 0, i, 0, 1 << 20, null);
        }
        assertEquals(2, layer.calls.size(), "the third READ waits for bytes: no buffer is allocated for it");
        assertFalse(channel.config().isAutoRead());
        layer.next().stage().complete(Unpooled.wrappedBuffer(new byte[1 << 20]));
        outbound().release();
        assertEquals(3, layer.calls.size(), "the reply left: the next READ is taken");
        while (!layer.pending.isEmpty()) {
            layer.next().stage().complete(Unpooled.wrappedBuffer(new byte[1 << 20]));
            outbound().release();
        }
        assertEquals(5, layer.calls.size());
        assertTrue(channel.config().isAutoRead());
    }

    @Test
    void connectionsShareTheServerBudget() {
        MemoryBudget shared = new MemoryBudget(4L << 20);
        ServerLimits limits = limits(3L << 20, 4L << 20);
        PendingAsyncLayer first = install(Support.NATIVE, limits, shared);
        EmbeddedChannel firstChannel = channel;
        send(Command.READ, 0, 1, 0, 1 << 20, null);
        send(Command.READ, 0, 2, 0, 1 << 20, null);
        PendingAsyncLayer second = install(Support.NATIVE, limits, shared);
        send(Command.READ, 0, 3, 0, 1 << 20, null);
        send(Command.READ, 0, 4, 0, 1 << 20, null);
        assertEquals(1, second.calls.size(), "the first connection holds two mebibytes of the four");
        first.next().stage().complete(Unpooled.wrappedBuffer(new byte[1 << 20]));
        firstChannel.runPendingTasks();
        Object reply;
        while ((reply = firstChannel.readOutbound()) != null) {
            ((ByteBuf) reply).release();
        }
        channel.runPendingTasks();
        assertEquals(2, second.calls.size(), "bytes the first gave back let the second go on");
        assertTrue(shared.used() <= shared.limit());
        first.next().stage().complete(Unpooled.wrappedBuffer(new byte[1 << 20]));
        firstChannel.finishAndReleaseAll();
        while (!second.pending.isEmpty()) {
            second.next().stage().complete(Unpooled.wrappedBuffer(new byte[1 << 20]));
            outbound().release();
        }
        channel.finishAndReleaseAll();
        assertEquals(0, shared.used(), "closed connections hold nothing");
    }

    private static ServerLimits limits(long connection, long server) {
        return ServerLimits.DEFAULT.withMaxPayload(1 << 20).withBudgets(connection, server);
    }

    @Test
    void aStageCompletedOnAnotherThreadIsAnsweredOnTheLoop() throws Exception {
        PendingAsyncLayer layer = install(Support.NATIVE, ServerLimits.DEFAULT);
        send(Command.FLUSH, 0, 9, 0, 0, null);
        Thread other = Thread.ofPlatform().start(() -> layer.next().stage().complete(null));
        other.join(5000);
        ByteBuf out = outbound();
        assertEquals(9, reply(out)[1]);
        out.release();
    }

    @Test
    void readOnlyAndSessionWrappersPassStagesThrough() throws Exception {
        PendingAsyncLayer below = new PendingAsyncLayer(SIZE, Support.NATIVE);
        LayeredExport roExport = new LayeredExport(new ExportContext("ro", true, Map.of()), "", below, List.of(),
                new ExportEventHub("ro"));
        Layer readOnly = roExport.open(SessionContext.plain(roExport.context(), "test"));
        ExecutionException refused = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> readOnly.write(0, Unpooled.EMPTY_BUFFER, 0).toCompletableFuture().get());
        assertEquals(NbdError.EPERM, ((NbdException) refused.getCause()).error());
        var flush = readOnly.flush(0).toCompletableFuture();
        assertEquals(List.of("flush"), below.calls);
        assertFalse(flush.isDone(), "the wrapper's stage is the layer's, still pending");
        below.next().stage().complete(null);
        assertTrue(flush.isDone());
        assertFalse(readOnly.capabilities().writable());
    }
}
