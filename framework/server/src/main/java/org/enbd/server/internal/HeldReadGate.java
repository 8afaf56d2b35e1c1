package org.enbd.server.internal;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import org.enbd.protocol.RequestDecoder;

/**
 * Sits between the socket and the request decoder, and drops the reads asked while the decoder holds a request
 * with autoRead off. Netty's ByteToMessageDecoder asks for one more read after every read that decoded nothing
 * (so that a message split over reads completes with autoRead off); a held decoder decodes nothing, so without
 * this the connection went on reading all the peer sent into the decoder's cumulation, however much, while the
 * budget was used up. The read is not lost: {@link RequestDispatcher} turns autoRead back on when the decoder
 * goes on, and that reads.
 */
public final class HeldReadGate extends ChannelOutboundHandlerAdapter {
    private final RequestDecoder decoder;

    public HeldReadGate(RequestDecoder decoder) {
        this.decoder = decoder;
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
        if (decoder.isHeld() && !ctx.channel().config().isAutoRead()) {
            return;
        }
        ctx.read();
    }
}
