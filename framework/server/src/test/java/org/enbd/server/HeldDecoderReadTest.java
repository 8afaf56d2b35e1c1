package org.enbd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import org.enbd.api.layer.Support;
import org.enbd.protocol.Command;
import org.enbd.protocol.NbdMagic;
import org.enbd.protocol.ReplyFormat;
import org.junit.jupiter.api.Test;

/**
 * While the request decoder holds a request (the budget is used), nothing more is read from the socket: Netty's
 * ByteToMessageDecoder asks for another read after every read that decoded nothing, autoRead off or not, so
 * without a gate a held connection went on reading whatever the peer sent into the decoder's cumulation.
 */
class HeldDecoderReadTest {
    private static final int MIB = 1 << 20;

    /** Counts the reads asked of the channel (what would become read(2) calls on a socket). */
    private static final class ReadCounter extends ChannelOutboundHandlerAdapter {
        int reads;

        @Override
        public void read(ChannelHandlerContext ctx) {
            reads++;
            ctx.read();
        }
    }

    private static ByteBuf read(long cookie) {
        return Unpooled.buffer().writeInt(NbdMagic.REQUEST).writeShort(0).writeShort(Command.READ.value())
                .writeLong(cookie).writeLong(0).writeInt(MIB);
    }

    @Test
    void aHeldDecoderAsksForNoMoreBytes() {
        ServerLimits limits = ServerLimits.DEFAULT.withMaxPayload(MIB).withBudgets(3L * MIB, 64L * MIB);
        PendingAsyncLayer layer = new PendingAsyncLayer(MIB, Support.NATIVE);
        ReadCounter counter = new ReadCounter();
        EmbeddedChannel channel = new EmbeddedChannel(counter);
        TransmissionPhase.install(channel, layer, layer.capabilities(), MIB, ReplyFormat.SIMPLE, 0, false, limits,
                new MemoryBudget(64L * MIB));
        for (int cookie = 1; cookie <= 3; cookie++) {
            channel.writeInbound(read(cookie));
        }
        channel.runPendingTasks();
        assertEquals(2, layer.calls.size(), "the third READ is held");
        assertFalse(channel.config().isAutoRead());
        int before = counter.reads;
        for (int cookie = 4; cookie <= 10; cookie++) {
            channel.writeInbound(read(cookie)); // what a socket read brought while the decoder holds
        }
        channel.runPendingTasks();
        assertEquals(before, counter.reads, "no read asked of the socket while a request is held");

        while (!layer.pending.isEmpty()) {
            layer.next().stage().complete(Unpooled.wrappedBuffer(new byte[MIB]));
            channel.runPendingTasks();
            Object reply;
            while ((reply = channel.readOutbound()) != null) {
                ((ByteBuf) reply).release();
            }
        }
        assertEquals(10, layer.calls.size(), "every request is served once replies leave");
        assertTrue(channel.config().isAutoRead());
        assertTrue(counter.reads > before, "reading goes on");
        channel.finishAndReleaseAll();
    }
}
