package org.enbd.server.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.List;
import org.enbd.protocol.NbdMagic;
import org.enbd.protocol.handshake.HandshakeEncoder;
import org.enbd.protocol.handshake.ServerHandshakeDecoder;
import org.enbd.server.ExportDirectory;
import org.enbd.server.ServerLimits;
import org.enbd.server.TlsPolicy;
import org.junit.jupiter.api.Test;

/**
 * A client that floods options and never reads the replies: once they back up, no option is decoded, and no more
 * bytes are read either (Netty's ByteToMessageDecoder asks for a read after every read that decoded nothing, so
 * without a gate the connection went on reading the flood into the decoder's cumulation).
 */
class HandshakeReadGateTest {
    /** A socket whose peer never reads: nothing written leaves it. */
    private static final class UnreadSocket extends EmbeddedChannel {
        @Override
        protected void doWrite(ChannelOutboundBuffer in) {
        }
    }

    /** Counts the reads asked of the channel. */
    private static final class ReadCounter extends ChannelOutboundHandlerAdapter {
        int reads;

        @Override
        public void read(ChannelHandlerContext ctx) {
            reads++;
            ctx.read();
        }
    }

    private static ByteBuf options(int count) {
        ByteBuf b = Unpooled.buffer();
        for (int i = 0; i < count; i++) {
            b.writeLong(NbdMagic.IHAVEOPT).writeInt(3).writeInt(0); // NBD_OPT_LIST
        }
        return b;
    }

    @Test
    void optionsBackedUpAreNotReadMeanwhile() {
        HandshakeSettings settings = new HandshakeSettings(ExportDirectory.of(List.of()),
                ServerLimits.DEFAULT.withMaxOptions(Integer.MAX_VALUE), TlsPolicy.OFF, null, phase -> { },
                () -> false);
        UnreadSocket channel = new UnreadSocket();
        channel.config().setWriteBufferWaterMark(new WriteBufferWaterMark(256, 512));
        ReadCounter counter = new ReadCounter();
        channel.pipeline().addLast(counter)
                .addLast(HandshakeHandler.DECODER, new ServerHandshakeDecoder())
                .addLast(HandshakeHandler.ENCODER, new HandshakeEncoder())
                .addLast(HandshakeHandler.HANDLER, new HandshakeHandler(settings));
        ByteBuf flags = Unpooled.buffer().writeInt(3);
        channel.writeInbound(flags, options(64));
        channel.runPendingTasks();
        assertFalse(channel.config().isAutoRead(), "the replies backed up: reading stops");
        int before = counter.reads;
        for (int i = 0; i < 10; i++) {
            channel.writeInbound(options(64)); // what a socket read brought while the decoder holds
        }
        channel.runPendingTasks();
        assertEquals(before, counter.reads, "no read asked of the socket while the replies are backed up");
        channel.finishAndReleaseAll();
    }
}
