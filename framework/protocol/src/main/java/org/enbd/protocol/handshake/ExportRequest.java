package org.enbd.protocol.handshake;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.List;
import org.enbd.protocol.InfoType;
import org.enbd.protocol.OptionType;
import org.enbd.protocol.handshake.HandshakeMessage.OptionRequest;

/**
 * The data of NBD_OPT_INFO and NBD_OPT_GO (proto.md, "Option types", NBD_OPT_INFO): the export name and the
 * information types asked for, as sent (unknown types included, for the server to ignore).
 *
 * <p>Buffers: {@link #parse} reads without moving the buffer's indexes and without releasing it; {@link #encode}
 * returns a new buffer the caller owns.
 */
public record ExportRequest(String name, List<Integer> infoTypes) {
    public ExportRequest {
        infoTypes = List.copyOf(infoTypes);
    }

    /** A request for {@code name} asking for the given known information types. */
    public static ExportRequest of(String name, InfoType... infos) {
        return new ExportRequest(name, java.util.Arrays.stream(infos).map(InfoType::value).toList());
    }

    /** Whether the client asked for {@code info}. */
    public boolean requests(InfoType info) {
        return infoTypes.contains(info.value());
    }

    /** @throws MalformedOptionException when a length points past the data or bytes are left over */
    public static ExportRequest parse(ByteBuf data) {
        ByteBuf in = data.duplicate();
        if (in.readableBytes() < 6) {
            throw new MalformedOptionException("INFO/GO data of " + in.readableBytes() + " bytes, at least 6 needed");
        }
        long nameLength = in.readUnsignedInt();
        if (nameLength > in.readableBytes() - 2) {
            throw new MalformedOptionException("INFO/GO name length " + nameLength + " exceeds option length "
                    + data.readableBytes() + " - 6");
        }
        String name = WireString.read(in, nameLength, "export name");
        int count = in.readUnsignedShort();
        if (in.readableBytes() != 2 * count) {
            throw new MalformedOptionException("INFO/GO with " + count + " information requests has "
                    + in.readableBytes() + " bytes for them, " + 2 * count + " expected");
        }
        Integer[] infos = new Integer[count];
        for (int i = 0; i < count; i++) {
            infos[i] = in.readUnsignedShort();
        }
        return new ExportRequest(name, List.of(infos));
    }

    public ByteBuf encode(ByteBufAllocator alloc) {
        byte[] n = WireString.bytes(name);
        ByteBuf b = alloc.buffer(6 + n.length + 2 * infoTypes.size());
        b.writeInt(n.length).writeBytes(n).writeShort(infoTypes.size());
        infoTypes.forEach(b::writeShort);
        return b;
    }

    /** This request as NBD_OPT_INFO or NBD_OPT_GO, ready to write. */
    public OptionRequest request(OptionType option, ByteBufAllocator alloc) {
        return new OptionRequest(option.value(), encode(alloc), false);
    }
}
