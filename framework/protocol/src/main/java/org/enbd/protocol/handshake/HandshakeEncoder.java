package org.enbd.protocol.handshake;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageEncoder;
import java.util.List;
import org.enbd.protocol.NbdMagic;
import org.enbd.protocol.handshake.HandshakeMessage.ClientFlags;
import org.enbd.protocol.handshake.HandshakeMessage.ExportNameReply;
import org.enbd.protocol.handshake.HandshakeMessage.OptionReply;
import org.enbd.protocol.handshake.HandshakeMessage.OptionRequest;
import org.enbd.protocol.handshake.HandshakeMessage.ServerGreeting;

/**
 * Encodes handshake messages in either direction (proto.md, "Newstyle negotiation", "Fixed newstyle
 * negotiation"): the server sends {@link ServerGreeting}, {@link OptionReply} and {@link ExportNameReply}, the
 * client {@link ClientFlags} and {@link OptionRequest}. One encoder serves both sides because the layouts do not
 * depend on who writes them.
 *
 * <p>Buffers: the header goes into a small buffer from the channel's allocator and the message's data buffer is
 * passed on after it unchanged (not copied). The written message is released by Netty as usual, so the caller
 * hands its reference over with the write.
 */
public final class HandshakeEncoder extends MessageToMessageEncoder<HandshakeMessage> {
    /** The reserved zero bytes after an NBD_OPT_EXPORT_NAME reply unless NO_ZEROES was agreed. */
    static final int EXPORT_NAME_ZEROES = 124;

    public HandshakeEncoder() {
        super(HandshakeMessage.class);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, HandshakeMessage msg, List<Object> out) {
        switch (msg) {
            case ServerGreeting g -> out.add(ctx.alloc().buffer(18).writeLong(NbdMagic.NBDMAGIC)
                    .writeLong(NbdMagic.IHAVEOPT).writeShort(g.flags()));
            case ClientFlags f -> out.add(ctx.alloc().buffer(4).writeInt(f.flags()));
            case OptionRequest r -> {
                if (r.tooBig()) {
                    throw new IllegalArgumentException("an OptionRequest marked tooBig cannot be sent");
                }
                ByteBuf header = ctx.alloc().buffer(16).writeLong(NbdMagic.IHAVEOPT).writeInt(r.option())
                        .writeInt(length(r.data()));
                addWithData(header, r.data(), out);
            }
            case OptionReply r -> {
                ByteBuf header = ctx.alloc().buffer(20).writeLong(NbdMagic.OPTION_REPLY).writeInt(r.option())
                        .writeInt(r.replyType()).writeInt(length(r.data()));
                addWithData(header, r.data(), out);
            }
            case ExportNameReply r -> {
                ByteBuf b = ctx.alloc().buffer(r.zeroes() ? 10 + EXPORT_NAME_ZEROES : 10)
                        .writeLong(r.size()).writeShort(r.transmissionFlags());
                if (r.zeroes()) {
                    b.writeZero(EXPORT_NAME_ZEROES);
                }
                out.add(b);
            }
        }
    }

    private static int length(ByteBuf data) {
        return data == null ? 0 : data.readableBytes();
    }

    /** The message is released after encode, so the data passed on needs a reference of its own. */
    private static void addWithData(ByteBuf header, ByteBuf data, List<Object> out) {
        out.add(header);
        if (data != null && data.isReadable()) {
            out.add(data.retain());
        }
    }
}
