package org.enbd.protocol.handshake;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.enbd.protocol.InfoType;
import org.enbd.protocol.OptionReplyType;
import org.enbd.protocol.handshake.HandshakeMessage.OptionReply;

/**
 * The data of an NBD_REP_INFO reply (proto.md, "Option reply types", NBD_REP_INFO): a 16-bit information type and
 * its payload, with the lengths the spec fixes for each type checked on parse.
 *
 * <p>Buffers: {@link #parse} reads without moving the buffer's indexes and without releasing it; {@link #encode}
 * and {@link #reply} return a new buffer the caller owns (writing the reply hands it to Netty).
 */
public sealed interface InfoReply {

    /** NBD_INFO_EXPORT: size and 16 bits of transmission flags; length 12. */
    record Export(long size, int transmissionFlags) implements InfoReply {
    }

    /** NBD_INFO_NAME: the canonical name of the export. */
    record Name(String name) implements InfoReply {
    }

    /** NBD_INFO_DESCRIPTION: a description for a human. */
    record Description(String description) implements InfoReply {
    }

    /** NBD_INFO_BLOCK_SIZE: minimum block size, preferred block size, maximum payload; length 14. */
    record BlockSize(int minimum, int preferred, int maximumPayload) implements InfoReply {
    }

    /** An information type this side does not know: a client MUST ignore it. */
    record Unknown(int type) implements InfoReply {
    }

    /** @throws MalformedOptionException when the length does not fit the information type */
    static InfoReply parse(ByteBuf data) {
        ByteBuf in = data.duplicate();
        if (in.readableBytes() < 2) {
            throw new MalformedOptionException("NBD_REP_INFO of " + in.readableBytes() + " bytes, at least 2 needed");
        }
        int type = in.readUnsignedShort();
        InfoType known = InfoType.fromValue(type);
        if (known == null) {
            return new Unknown(type);
        }
        return switch (known) {
            case EXPORT -> {
                expectLength(known, data, 12);
                yield new Export(in.readLong(), in.readUnsignedShort());
            }
            case NAME -> new Name(WireString.read(in, in.readableBytes(), "NBD_INFO_NAME"));
            case DESCRIPTION -> new Description(WireString.read(in, in.readableBytes(), "NBD_INFO_DESCRIPTION"));
            case BLOCK_SIZE -> {
                expectLength(known, data, 14);
                yield new BlockSize(in.readInt(), in.readInt(), in.readInt());
            }
        };
    }

    private static void expectLength(InfoType type, ByteBuf data, int length) {
        if (data.readableBytes() != length) {
            throw new MalformedOptionException("NBD_INFO_" + type + " of length " + data.readableBytes()
                    + ", the spec says " + length);
        }
    }

    default ByteBuf encode(ByteBufAllocator alloc) {
        return switch (this) {
            case Export e -> alloc.buffer(12).writeShort(InfoType.EXPORT.value()).writeLong(e.size())
                    .writeShort(e.transmissionFlags());
            case Name n -> withString(alloc, InfoType.NAME, n.name());
            case Description d -> withString(alloc, InfoType.DESCRIPTION, d.description());
            case BlockSize s -> alloc.buffer(14).writeShort(InfoType.BLOCK_SIZE.value()).writeInt(s.minimum())
                    .writeInt(s.preferred()).writeInt(s.maximumPayload());
            case Unknown u -> alloc.buffer(2).writeShort(u.type());
        };
    }

    /** This information as an NBD_REP_INFO reply to {@code option} (NBD_OPT_INFO or NBD_OPT_GO). */
    default OptionReply reply(int option, ByteBufAllocator alloc) {
        return new OptionReply(option, OptionReplyType.INFO.value(), encode(alloc));
    }

    private static ByteBuf withString(ByteBufAllocator alloc, InfoType type, String s) {
        byte[] b = WireString.bytes(s);
        return alloc.buffer(2 + b.length).writeShort(type.value()).writeBytes(b);
    }
}
