package org.enbd.protocol.handshake;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.ArrayList;
import java.util.List;
import org.enbd.protocol.OptionType;
import org.enbd.protocol.handshake.HandshakeMessage.OptionRequest;

/**
 * The data of NBD_OPT_LIST_META_CONTEXT and NBD_OPT_SET_META_CONTEXT (proto.md, "Option types"): the export name
 * and the queries, such as {@code base:allocation}.
 *
 * <p>Buffers: {@link #parse} reads without moving the buffer's indexes and without releasing it; {@link #encode}
 * returns a new buffer the caller owns.
 */
public record MetaContextRequest(String exportName, List<String> queries) {
    public MetaContextRequest {
        queries = List.copyOf(queries);
    }

    /**
     * @throws MalformedOptionException when a length points past the data (the spec's example of a request the
     *                                  server MUST fail with NBD_REP_ERR_INVALID) or bytes are left over
     */
    public static MetaContextRequest parse(ByteBuf data) {
        ByteBuf in = data.duplicate();
        String name = WireString.read(in, lengthField(in, "export name length"), "export name");
        long count = lengthField(in, "number of queries");
        // each query takes at least its 4-byte length: a larger count cannot fit, and must not size a list
        if (count > in.readableBytes() / 4) {
            throw new MalformedOptionException(count + " queries cannot fit in " + in.readableBytes() + " bytes");
        }
        List<String> queries = new ArrayList<>((int) count);
        for (long i = 0; i < count; i++) {
            queries.add(WireString.read(in, lengthField(in, "query length"), "query " + i));
        }
        if (in.isReadable()) {
            throw new MalformedOptionException(in.readableBytes() + " bytes after the last query");
        }
        return new MetaContextRequest(name, queries);
    }

    private static long lengthField(ByteBuf in, String what) {
        if (in.readableBytes() < 4) {
            throw new MalformedOptionException("meta context request truncated before the " + what);
        }
        return in.readUnsignedInt();
    }

    public ByteBuf encode(ByteBufAllocator alloc) {
        byte[] n = WireString.bytes(exportName);
        ByteBuf b = alloc.buffer(8 + n.length + 16 * queries.size());
        b.writeInt(n.length).writeBytes(n).writeInt(queries.size());
        for (String q : queries) {
            byte[] qb = WireString.bytes(q);
            b.writeInt(qb.length).writeBytes(qb);
        }
        return b;
    }

    /** This request as NBD_OPT_LIST_META_CONTEXT or NBD_OPT_SET_META_CONTEXT, ready to write. */
    public OptionRequest request(OptionType option, ByteBufAllocator alloc) {
        return new OptionRequest(option.value(), encode(alloc), false);
    }
}
