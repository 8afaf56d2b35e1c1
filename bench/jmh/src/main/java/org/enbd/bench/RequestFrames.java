package org.enbd.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.enbd.protocol.Command;
import org.enbd.protocol.NbdMagic;

/**
 * Compact transmission requests as a client puts them on the wire (proto.md, "Request message"): the bytes the
 * benchmarks feed to the server's decoder. Built once per trial, so building them is never what is measured.
 */
final class RequestFrames {
    static final int HEADER = 28;
    /** Byte index of the offset field inside a compact request header. */
    static final int OFFSET_FIELD = 16;

    private RequestFrames() {
    }

    /** {@code count} READ requests back to back, each for {@code length} bytes, cookies 0..count-1. */
    static ByteBuf reads(int count, int length) {
        ByteBuf b = Unpooled.directBuffer(count * HEADER);
        for (int i = 0; i < count; i++) {
            header(b, Command.READ, i, (long) i * length, length);
        }
        return b;
    }

    /** One WRITE of {@code payload} bytes (a repeating non-zero pattern) at offset 0. */
    static ByteBuf write(int payload) {
        byte[] data = new byte[payload];
        for (int i = 0; i < payload; i++) {
            data[i] = (byte) (i * 31 + 7);
        }
        return header(Unpooled.directBuffer(HEADER + payload), Command.WRITE, 1, 0, payload).writeBytes(data);
    }

    /** One READ of {@code length} bytes at offset 0. */
    static ByteBuf read(int length) {
        return header(Unpooled.directBuffer(HEADER), Command.READ, 1, 0, length);
    }

    private static ByteBuf header(ByteBuf b, Command command, long cookie, long offset, int length) {
        return b.writeInt(NbdMagic.REQUEST).writeShort(0).writeShort(command.value()).writeLong(cookie)
                .writeLong(offset).writeInt(length);
    }
}
