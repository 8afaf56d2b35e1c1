package org.enbd.kernel.direct;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.enbd.protocol.HandshakeFlags;
import org.enbd.protocol.InfoType;
import org.enbd.protocol.NbdMagic;
import org.enbd.protocol.OptionReplyType;
import org.enbd.protocol.OptionType;

/**
 * The handshake of a connection the kernel will speak on, blocking, as nbd-client does it: fixed newstyle,
 * NBD_OPT_GO with the export's name asking for its block sizes (NBD_OPT_EXPORT_NAME when the server has no GO),
 * and nothing the kernel's driver cannot speak afterwards (no structured replies, no extended headers, none of
 * ENBD's extensions). What it learns is what the kernel is told.
 */
final class KernelHandshake {
    /** What the server said about the export. */
    record Export(long size, int transmissionFlags, int minimumBlock, int preferredBlock) {
    }

    private KernelHandshake() {
    }

    static Export run(KernelSocket socket, String exportName) throws IOException {
        ByteBuffer greeting = ByteBuffer.wrap(socket.read(18));
        long magic = greeting.getLong();
        long second = greeting.getLong();
        if (magic != NbdMagic.NBDMAGIC) {
            throw new AttachRefused(socket.peer + " is not an NBD server (no NBDMAGIC)");
        }
        if (second == NbdMagic.CLISERV) {
            throw new AttachRefused(socket.peer + " speaks the oldstyle handshake, which this client does not");
        }
        if (second != NbdMagic.IHAVEOPT) {
            throw new AttachRefused(socket.peer + " sent an unknown greeting");
        }
        int serverFlags = greeting.getShort() & 0xffff;
        if ((serverFlags & HandshakeFlags.FIXED_NEWSTYLE) == 0) {
            throw new AttachRefused(socket.peer + " does not speak fixed newstyle");
        }
        boolean noZeroes = (serverFlags & HandshakeFlags.NO_ZEROES) != 0;
        socket.write(ByteBuffer.allocate(4)
                .putInt(HandshakeFlags.FIXED_NEWSTYLE | (noZeroes ? HandshakeFlags.NO_ZEROES : 0)).array());
        byte[] name = exportName.getBytes(StandardCharsets.UTF_8);
        ByteBuffer go = ByteBuffer.allocate(16 + 4 + name.length + 2 + 2);
        go.putLong(NbdMagic.IHAVEOPT).putInt(OptionType.GO.value()).putInt(4 + name.length + 2 + 2)
                .putInt(name.length).put(name).putShort((short) 1).putShort((short) InfoType.BLOCK_SIZE.value());
        socket.write(go.array());
        long size = -1;
        int flags = 0;
        int minimum = 1;
        int preferred = 4096;
        while (true) {
            ByteBuffer header = ByteBuffer.wrap(socket.read(20));
            if (header.getLong() != NbdMagic.OPTION_REPLY) {
                throw new AttachRefused(socket.peer + " sent a malformed option reply");
            }
            header.getInt(); // the option
            int type = header.getInt();
            int length = header.getInt();
            if (length < 0 || length > 65536) {
                throw new AttachRefused(socket.peer + " sent an option reply of " + Integer.toUnsignedString(length)
                        + " bytes");
            }
            ByteBuffer data = ByteBuffer.wrap(socket.read(length));
            if (type == OptionReplyType.INFO.value() && length >= 2) {
                int info = data.getShort() & 0xffff;
                if (info == InfoType.EXPORT.value() && length >= 12) {
                    size = data.getLong();
                    flags = data.getShort() & 0xffff;
                } else if (info == InfoType.BLOCK_SIZE.value() && length >= 14) {
                    minimum = data.getInt();
                    preferred = data.getInt();
                }
            } else if (type == OptionReplyType.ACK.value()) {
                if (size < 0) {
                    throw new AttachRefused(socket.peer + " accepted NBD_OPT_GO without NBD_INFO_EXPORT");
                }
                return new Export(size, flags, minimum, preferred);
            } else if (type == OptionReplyType.ERR_UNSUP.value()) {
                return exportName(socket, name, noZeroes);
            } else if (type < 0) {
                String message = new String(data.array(), StandardCharsets.UTF_8);
                String why = type == OptionReplyType.ERR_TLS_REQD.value()
                        ? "the server requires TLS, which the kernel cannot speak: attach through the relay (without"
                        + " --kernel-sockets) with an nbds:// URI"
                        : type == OptionReplyType.ERR_UNKNOWN.value() ? "the server has no export named '"
                        + exportName + "'" : "the server refused NBD_OPT_GO (" + Integer.toHexString(type) + ")";
                throw new AttachRefused(why + (message.isEmpty() ? "" : ": " + message));
            }
        }
    }

    /** The server has no NBD_OPT_GO: NBD_OPT_EXPORT_NAME, whose reply has no block sizes. */
    private static Export exportName(KernelSocket socket, byte[] name, boolean noZeroes) throws IOException {
        socket.write(ByteBuffer.allocate(16 + name.length).putLong(NbdMagic.IHAVEOPT)
                .putInt(OptionType.EXPORT_NAME.value()).putInt(name.length).put(name).array());
        ByteBuffer reply = ByteBuffer.wrap(socket.read(10));
        long size = reply.getLong();
        int flags = reply.getShort() & 0xffff;
        if (!noZeroes) {
            socket.read(124);
        }
        return new Export(size, flags, 1, 4096);
    }
}
