package org.enbd.server.internal;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import java.util.function.BooleanSupplier;

/**
 * Sits between the socket and a decoder (the request decoder; the handshake's), and drops the reads asked while
 * the decoder holds (a request waiting for budget; options whose replies are not read) with autoRead off.
 * Netty's ByteToMessageDecoder asks for one more read after every read that decoded nothing (so that a message
 * split over reads completes with autoRead off); a held decoder decodes nothing, so without this the connection
 * went on reading all the peer sent into the decoder's cumulation, however much: a client held at its budget,
 * or all of an option flood. The read is not lost: the handler that holds the decoder ({@link RequestDispatcher},
 * {@link HandshakeHandler}) turns autoRead back on when it goes on, and that reads.
 */
public final class HeldReadGate extends ChannelOutboundHandlerAdapter {
    private final BooleanSupplier held;

    /** @param held whether the decoder behind holds now; asked on the event loop */
    public HeldReadGate(BooleanSupplier held) {
        this.held = held;
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
        if (held.getAsBoolean() && !ctx.channel().config().isAutoRead()) {
            return;
        }
        ctx.read();
    }
}
