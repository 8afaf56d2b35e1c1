package org.enbd.itest.hostile;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An NBD server on raw sockets whose handshake is correct and whose transmission does what {@link #mode} says:
 * answer well, or break the protocol in one of the ways a client must survive. READ data is the byte
 * {@code (offset + i) % 251} at each position, so a client's answer can be checked byte by byte.
 */
final class HostileServer implements AutoCloseable {
    static final long SIZE = 64 << 20;

    enum Mode {
        /** Correct structured replies. */
        GOOD,
        /** A READ answered with its first half twice (issue 19, failure 3). */
        OVERLAP,
        /** A BLOCK_STATUS answered with chunks that never end (failure 4). */
        ENDLESS_STATUS,
        /** Garbage for a reply on every connection (failure 5). */
        GARBAGE,
        /** A chunk header declaring a 4 GiB payload. */
        HUGE_CHUNK,
        /** Zero-length holes without the done flag, for ever (no progress, no end). */
        EMPTY_HOLES
    }

    private final ServerSocket listener;
    private final Thread acceptor;
    volatile Mode mode = Mode.GOOD;
    final AtomicInteger accepted = new AtomicInteger();
    /** Chunks written to a reply that never ends before the client hung up, the most on one connection. */
    final AtomicLong endlessChunks = new AtomicLong();

    HostileServer() throws IOException {
        listener = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
        acceptor = Thread.ofPlatform().name("hostile-server").daemon().start(this::acceptLoop);
    }

    int port() {
        return listener.getLocalPort();
    }

    String uri() {
        return "nbd://127.0.0.1:" + port() + "/";
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket s = listener.accept();
                accepted.incrementAndGet();
                Thread.ofPlatform().name("hostile-conn").daemon().start(() -> serve(s));
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            DataInputStream in = new DataInputStream(s.getInputStream());
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            handshake(in, out);
            while (true) {
                in.readInt();
                in.readUnsignedShort();
                int type = in.readUnsignedShort();
                long cookie = in.readLong();
                long offset = in.readLong();
                int length = in.readInt();
                if (type == Wire.CMD_WRITE) {
                    in.skipNBytes(length);
                }
                answer(out, type, cookie, offset, length);
                out.flush();
            }
        } catch (IOException gone) {
            // the client hung up (or we broke the stream on purpose)
        }
    }

    private void handshake(DataInputStream in, DataOutputStream out) throws IOException {
        out.writeLong(0x4e42444d41474943L);
        out.writeLong(Wire.IHAVEOPT);
        out.writeShort(3);
        out.flush();
        in.readInt();
        while (true) {
            in.readLong();
            int option = in.readInt();
            in.skipNBytes(in.readInt());
            switch (option) {
                case Wire.OPT_STRUCTURED_REPLY -> optionReply(out, option, 1, new byte[0]);
                case 10 -> { // SET_META_CONTEXT: base:allocation as context 1
                    byte[] name = "base:allocation".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                    optionReply(out, option, 4, ByteBuffer.allocate(4 + name.length).putInt(1).put(name).array());
                    optionReply(out, option, 1, new byte[0]);
                }
                case Wire.OPT_GO -> {
                    // INFO_EXPORT: size, flags HAS_FLAGS | SEND_FLUSH | SEND_DF | CAN_MULTI_CONN
                    optionReply(out, option, 3, ByteBuffer.allocate(12).putShort((short) 0).putLong(SIZE)
                            .putShort((short) (1 | 4 | 0x80 | 0x100)).array());
                    optionReply(out, option, 1, new byte[0]);
                    out.flush();
                    return;
                }
                default -> optionReply(out, option, 0x80000001, new byte[0]); // ERR_UNSUP
            }
            out.flush();
        }
    }

    private static void optionReply(DataOutputStream out, int option, int type, byte[] data) throws IOException {
        out.writeLong(0x3e889045565a9L);
        out.writeInt(option);
        out.writeInt(type);
        out.writeInt(data.length);
        out.write(data);
    }

    private void answer(DataOutputStream out, int type, long cookie, long offset, int length) throws IOException {
        Mode now = mode;
        if (now == Mode.GARBAGE) {
            out.writeLong(0xdeadbeefdeadbeefL);
            out.writeLong(0xdeadbeefdeadbeefL);
            return;
        }
        if (now == Mode.HUGE_CHUNK) {
            chunkHeader(out, 0, 1, cookie, 0xffffffffL);
            return;
        }
        if (type == Wire.CMD_READ) {
            if (now == Mode.OVERLAP && length >= 2) {
                int half = length / 2;
                dataChunk(out, cookie, offset, half, false);
                dataChunk(out, cookie, offset, half, true);
            } else if (now == Mode.EMPTY_HOLES) {
                long sent = 0;
                while (true) {
                    chunkHeader(out, 0, 2, cookie, 12);
                    out.writeLong(offset);
                    out.writeInt(0);
                    endlessChunks.accumulateAndGet(++sent, Math::max);
                }
            } else {
                dataChunk(out, cookie, offset, length, true);
            }
        } else if (type == 7 && now == Mode.ENDLESS_STATUS) { // BLOCK_STATUS
            ByteBuffer extents = ByteBuffer.allocate(4 + 8 * 4096).putInt(1);
            for (int i = 0; i < 4096; i++) {
                extents.putInt(4096).putInt(0);
            }
            long sent = 0;
            while (true) {
                chunkHeader(out, 0, 5, cookie, extents.capacity());
                out.write(extents.array());
                endlessChunks.accumulateAndGet(++sent, Math::max);
            }
        } else if (type == 7) {
            chunkHeader(out, 1, 5, cookie, 12);
            out.writeInt(1);
            out.writeInt(length);
            out.writeInt(0);
        } else {
            out.writeInt(0x67446698); // simple reply, success
            out.writeInt(0);
            out.writeLong(cookie);
        }
    }

    private static void chunkHeader(DataOutputStream out, int flags, int type, long cookie, long length)
            throws IOException {
        out.writeInt(0x668e33ef);
        out.writeShort(flags);
        out.writeShort(type);
        out.writeLong(cookie);
        out.writeInt((int) length);
    }

    private static void dataChunk(DataOutputStream out, long cookie, long offset, int length, boolean done)
            throws IOException {
        chunkHeader(out, done ? 1 : 0, 1, cookie, 8 + length);
        out.writeLong(offset);
        byte[] data = new byte[length];
        for (int i = 0; i < length; i++) {
            data[i] = pattern(offset + i);
        }
        out.write(data);
    }

    static byte pattern(long at) {
        return (byte) (at % 251);
    }

    @Override
    public void close() throws IOException {
        listener.close();
    }
}
