package org.enbd.client.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderException;
import java.io.IOException;
import java.util.List;
import org.enbd.protocol.Command;
import org.enbd.protocol.Reply;
import org.enbd.protocol.ReplyDecoder;
import org.enbd.protocol.Request;
import org.enbd.protocol.RequestEncoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection in the transmission phase: the {@link Link} the dispatcher writes requests to, and the last
 * handler of the pipeline, passing decoded replies to the dispatcher and telling it when the channel closes.
 */
final class NbdConnection extends SimpleChannelInboundHandler<Reply> implements Link {
    private static final Logger LOG = LoggerFactory.getLogger(NbdConnection.class);

    private final Channel channel;
    private final Dispatcher dispatcher;
    private final String name;
    private volatile Conn conn;
    private volatile boolean closedHere;

    NbdConnection(Channel channel, Dispatcher dispatcher, String name) {
        super(Reply.class, false);
        this.channel = channel;
        this.dispatcher = dispatcher;
        this.name = name;
    }

    /** Replaces the handshake handlers with the transmission codec and this handler. */
    void install(int maxReplyPayload) {
        var p = channel.pipeline();
        p.addLast("requests", new RequestEncoder(false));
        p.addLast("replies", new ReplyDecoder(cookie -> {
            Conn c = conn;
            return c == null ? 0 : c.readLength(cookie);
        }, maxReplyPayload));
        p.addLast("connection", this);
        p.remove("handshake-encoder");
        p.remove("handshake");
        p.remove("handshake-decoder");
    }

    /** The dispatcher took the connection in; a close that came first is reported now. */
    void attached(Conn c) {
        conn = c;
        if (!channel.isActive()) {
            dispatcher.recovery.closed(c, !closedHere);
        }
    }

    @Override
    public void send(List<Request> requests) {
        if (channel.eventLoop().inEventLoop()) {
            write(requests);
        } else {
            channel.eventLoop().execute(() -> write(requests));
        }
    }

    private void write(List<Request> requests) {
        for (Request r : requests) {
            channel.write(r).addListener(onWriteFailure);
        }
        channel.flush();
    }

    private final ChannelFutureListener onWriteFailure = f -> {
        if (!f.isSuccess() && f.channel().isActive()) {
            LOG.warn("{}: write failed: {}", describe(), f.cause().toString());
            f.channel().close();
        }
    };

    @Override
    public void disconnect() {
        closedHere = true;
        if (channel.isActive()) {
            channel.writeAndFlush(Request.of(Command.DISC, 0, 0, 0, 0)).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void abort() {
        closedHere = true;
        try {
            // RST rather than FIN: whatever still waits in our socket's send queue is dropped, never delivered
            channel.config().setOption(ChannelOption.SO_LINGER, 0);
        } catch (RuntimeException ignored) {
            // Unix sockets have no linger; their queued bytes die with the socket anyway
        }
        channel.close();
    }

    @Override
    public boolean inEventLoop() {
        return channel.eventLoop().inEventLoop();
    }

    @Override
    public io.netty.buffer.ByteBufAllocator alloc() {
        return channel.alloc();
    }

    @Override
    public String describe() {
        return name;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Reply reply) {
        Conn c = conn;
        if (c == null) {
            reply.release();
            return;
        }
        dispatcher.onReply(c, reply);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        Conn c = conn;
        if (c != null) {
            dispatcher.recovery.closed(c, !closedHere);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof DecoderException) {
            LOG.warn("{}: bad reply from server: {}; closing the connection", name, cause.getMessage());
            closedHere = true;
            Conn c = conn;
            if (c != null) {
                c.violated = true;
            }
        } else if (!(cause instanceof IOException)) {
            LOG.warn("{}: {}", name, cause.toString());
        }
        ctx.close();
    }
}
