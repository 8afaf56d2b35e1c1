package org.enbd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.enbd.api.layer.Capabilities;
import org.enbd.api.layer.Layer;
import org.enbd.protocol.Command;
import org.enbd.protocol.NbdMagic;
import org.enbd.protocol.ReplyFormat;
import org.junit.jupiter.api.Test;

/**
 * A client that pipelines requests, never reads the replies and then goes away (itests/hostile-peers, 5000 x
 * 1 MiB READs never read): the connection closes when a write fails, and Netty fails the replies still queued
 * (giving their bytes back) before it tells the pipeline the channel is inactive. Requests the decoder still holds
 * must not be served in between: before, every one of them was (5000 reads of 1 MiB, 4.9 GiB copied on the
 * event loop for a peer long gone, for 16 s on a loaded machine), and every other connection on that loop
 * waited; a good client's handshake timed out behind it.
 */
class ClosedConnectionTest {
    private static final int MIB = 1 << 20;

    /** A socket whose peer never reads: nothing written leaves; once reset, the next flush fails as write(2) does. */
    private static final class UnreadSocket extends EmbeddedChannel {
        boolean reset;

        @Override
        protected void doWrite(ChannelOutboundBuffer in) throws Exception {
            if (reset) {
                throw new IOException("Connection reset by peer");
            }
        }
    }

    /** Reads answered at once (a file's page cache, memory), counted. */
    private static final class ImmediateLayer implements Layer {
        final AtomicInteger reads = new AtomicInteger();

        @Override
        public long size() {
            return MIB;
        }

        @Override
        public Capabilities capabilities() {
            return Capabilities.builder().writable(false).build();
        }

        @Override
        public CompletionStage<ByteBuf> read(long offset, int length, int flags, ByteBufAllocator alloc) {
            reads.incrementAndGet();
            return CompletableFuture.completedFuture(Unpooled.wrappedBuffer(new byte[length]));
        }
    }

    @Test
    void requestsHeldWhenTheConnectionClosesAreNeverServed() {
        MemoryBudget shared = new MemoryBudget(64L * MIB);
        // 3 MiB per connection: two 1 MiB READs fit, the third waits for a reply to leave
        ServerLimits limits = ServerLimits.DEFAULT.withMaxPayload(MIB).withBudgets(3L * MIB, 64L * MIB);
        ImmediateLayer layer = new ImmediateLayer();
        UnreadSocket channel = new UnreadSocket();
        TransmissionPhase phase = TransmissionPhase.install(channel, layer, layer.capabilities(), MIB,
                ReplyFormat.SIMPLE, 0, false, limits, shared);
        ByteBuf requests = Unpooled.buffer();
        for (int cookie = 1; cookie <= 100; cookie++) {
            requests.writeInt(NbdMagic.REQUEST).writeShort(0).writeShort(Command.READ.value()).writeLong(cookie)
                    .writeLong(0).writeInt(MIB);
        }
        channel.writeInbound(requests);
        channel.runPendingTasks();
        assertEquals(2, layer.reads.get(), "two replies wait for the peer; the other 98 requests are held");
        assertFalse(channel.config().isAutoRead());

        channel.reset = true; // the peer went away: the next write fails, and Netty closes the channel
        channel.flush();
        channel.runPendingTasks();

        assertFalse(channel.isActive());
        assertEquals(2, layer.reads.get(), "no request is served once the connection has closed");
        assertTrue(phase.closed().isDone(), "the layer is closed");
        assertEquals(0, shared.used(), "the closed connection holds nothing of the server's budget");
        channel.finishAndReleaseAll();
    }
}
