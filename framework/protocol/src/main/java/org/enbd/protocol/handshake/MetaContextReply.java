package org.enbd.protocol.handshake;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.enbd.protocol.OptionReplyType;
import org.enbd.protocol.handshake.HandshakeMessage.OptionReply;

/**
 * The data of an NBD_REP_META_CONTEXT reply (proto.md, "Option reply types"): the context id (0 for
 * NBD_OPT_LIST_META_CONTEXT, where clients disregard it) and the context's name, filling the rest of the reply.
 *
 * <p>Buffers: {@link #parse} reads without moving the buffer's indexes and without releasing it; {@link #encode}
 * and {@link #reply} return a new buffer the caller owns.
 */
public record MetaContextReply(int id, String name) {

    /** @throws MalformedOptionException when the reply is shorter than its id or the name is not UTF-8 */
    public static MetaContextReply parse(ByteBuf data) {
        ByteBuf in = data.duplicate();
        if (in.readableBytes() < 4) {
            throw new MalformedOptionException("NBD_REP_META_CONTEXT of " + in.readableBytes()
                    + " bytes, at least 4 needed");
        }
        int id = in.readInt();
        return new MetaContextReply(id, WireString.read(in, in.readableBytes(), "metadata context name"));
    }

    public ByteBuf encode(ByteBufAllocator alloc) {
        byte[] n = WireString.bytes(name);
        return alloc.buffer(4 + n.length).writeInt(id).writeBytes(n);
    }

    /** This context as an NBD_REP_META_CONTEXT reply to {@code option} (LIST_ or SET_META_CONTEXT). */
    public OptionReply reply(int option, ByteBufAllocator alloc) {
        return new OptionReply(option, OptionReplyType.META_CONTEXT.value(), encode(alloc));
    }
}
