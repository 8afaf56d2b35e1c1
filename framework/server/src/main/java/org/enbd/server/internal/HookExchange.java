package org.enbd.server.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.enbd.api.layer.OptionExchange;
import org.enbd.protocol.OptionReplyType;
import org.enbd.protocol.handshake.HandshakeMessage.OptionReply;

/** One option as a feature's {@code option} hook sees it; its replies go straight to the client. */
final class HookExchange implements OptionExchange {
    private final ChannelHandlerContext ctx;
    private final int option;
    private final ByteBuf data;
    private final String peer;
    private final Map<String, Object> attributes;

    HookExchange(ChannelHandlerContext ctx, int option, ByteBuf data, String peer, Map<String, Object> attributes) {
        this.ctx = ctx;
        this.option = option;
        this.data = data;
        this.peer = peer;
        this.attributes = attributes;
    }

    @Override
    public int option() {
        return option;
    }

    @Override
    public ByteBuf data() {
        return data;
    }

    @Override
    public String peer() {
        return peer;
    }

    @Override
    public void ack() {
        ctx.writeAndFlush(new OptionReply(option, OptionReplyType.ACK.value(), null));
    }

    @Override
    public void reply(int replyType, ByteBuf replyData) {
        ctx.writeAndFlush(new OptionReply(option, replyType, replyData));
    }

    @Override
    public void error(int errorType, String message) {
        ByteBuf text = message == null || message.isEmpty() ? null
                : Unpooled.copiedBuffer(message, StandardCharsets.UTF_8);
        ctx.writeAndFlush(new OptionReply(option, errorType, text));
    }

    @Override
    public void attribute(String key, Object value) {
        attributes.put(key, value);
    }
}
