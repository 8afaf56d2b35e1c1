package org.enbd.protocol.handshake;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.enbd.protocol.OptionReplyType;
import org.enbd.protocol.OptionType;
import org.enbd.protocol.handshake.HandshakeMessage.OptionReply;

/**
 * The data of an NBD_REP_SERVER reply to NBD_OPT_LIST (proto.md, "Option reply types", NBD_REP_SERVER): the
 * export's name, and after it, filling the rest of the reply, a description for a human (possibly empty).
 *
 * <p>Buffers: {@link #parse} reads without moving the buffer's indexes and without releasing it; {@link #encode}
 * and {@link #reply} return a new buffer the caller owns.
 */
public record ExportListEntry(String name, String description) {

    /** @throws MalformedOptionException when the name length exceeds the reply length - 4 */
    public static ExportListEntry parse(ByteBuf data) {
        ByteBuf in = data.duplicate();
        if (in.readableBytes() < 4) {
            throw new MalformedOptionException("NBD_REP_SERVER of " + in.readableBytes() + " bytes, at least 4 needed");
        }
        long nameLength = in.readUnsignedInt();
        String name = WireString.read(in, nameLength, "NBD_REP_SERVER name");
        return new ExportListEntry(name, WireString.read(in, in.readableBytes(), "NBD_REP_SERVER description"));
    }

    public ByteBuf encode(ByteBufAllocator alloc) {
        byte[] n = WireString.bytes(name);
        byte[] d = WireString.bytes(description);
        return alloc.buffer(4 + n.length + d.length).writeInt(n.length).writeBytes(n).writeBytes(d);
    }

    /** This entry as an NBD_REP_SERVER reply to NBD_OPT_LIST. */
    public OptionReply reply(ByteBufAllocator alloc) {
        return new OptionReply(OptionType.LIST.value(), OptionReplyType.SERVER.value(), encode(alloc));
    }
}
