package org.enbd.kernel;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import org.enbd.api.NbdException;
import org.enbd.api.layer.Layer;
import org.enbd.protocol.Command;
import org.enbd.protocol.ReplyEncoder;
import org.enbd.protocol.ReplyFormat;
import org.enbd.protocol.Request;
import org.enbd.protocol.RequestDecoder;
import org.enbd.protocol.SimpleReply;

/**
 * A test stand-in for the server's transmission phase: compact requests, simple replies, READ/WRITE/FLUSH/
 * WRITE_ZEROES served on the event loop (test layers never block), DISC closes.
 */
final class SimpleTransmission implements TransmissionInstaller {
    @Override
    public void install(Channel channel, Layer layer, int serverFlags) {
        channel.pipeline().addLast(new RequestDecoder(32 << 20, false), new ReplyEncoder(ReplyFormat.SIMPLE),
                new Dispatch(layer));
    }

    private static final class Dispatch extends SimpleChannelInboundHandler<Request> {
        private final Layer layer;

        Dispatch(Layer layer) {
            this.layer = layer;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Request r) {
            try {
                Command c = r.command();
                if (c == Command.DISC) {
                    ctx.close();
                    return;
                }
                SimpleReply reply = switch (c) {
                    case READ -> new SimpleReply(r.cookie(), 0, layer.read(r.offset(), (int) r.length(), r.flags(),
                            ctx.alloc()));
                    case WRITE -> {
                        layer.write(r.offset(), r.payload(), r.flags());
                        yield new SimpleReply(r.cookie(), 0, null);
                    }
                    case FLUSH -> {
                        layer.flush(r.flags());
                        yield new SimpleReply(r.cookie(), 0, null);
                    }
                    case WRITE_ZEROES -> {
                        layer.zero(r.offset(), r.length(), r.flags());
                        yield new SimpleReply(r.cookie(), 0, null);
                    }
                    case null, default -> new SimpleReply(r.cookie(), 22, null);
                };
                ctx.writeAndFlush(reply);
            } catch (NbdException e) {
                ctx.writeAndFlush(new SimpleReply(r.cookie(), e.error().value(), null));
            } // SimpleChannelInboundHandler releases the request, and with it the payload
        }
    }
}
