package org.enbd.itest.hostile;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * NBD on a raw socket, byte by byte as the spec writes it, for a client that does what no library would: floods,
 * never reads, lies about lengths. Also a well-behaved peer for the checks afterwards.
 */
final class Wire implements AutoCloseable {
    static final long IHAVEOPT = 0x49484156454F5054L;
    static final int REQUEST_MAGIC = 0x25609513;
    static final int OPT_GO = 7;
    static final int OPT_LIST = 3;
    static final int OPT_STRUCTURED_REPLY = 8;
    static final int CMD_READ = 0;
    static final int CMD_WRITE = 1;

    final Socket socket;
    final DataInputStream in;
    final DataOutputStream out;

    /** Connected, greeting read, client flags sent (FIXED_NEWSTYLE | NO_ZEROES). */
    Wire(int port) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(30_000);
        in = new DataInputStream(socket.getInputStream());
        out = new DataOutputStream(socket.getOutputStream());
        if (in.readLong() != 0x4e42444d41474943L || in.readLong() != IHAVEOPT) {
            throw new IOException("not an NBD server");
        }
        in.readUnsignedShort();
        out.writeInt(3);
    }

    /** A client that will read little: its receive buffer is as small as the kernel allows. */
    static Wire deaf(int port) throws IOException {
        Wire w = new Wire(port);
        w.socket.setReceiveBufferSize(4096);
        return w;
    }

    static byte[] option(int option, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(16 + data.length).putLong(IHAVEOPT).putInt(option).putInt(data.length);
        return b.put(data).array();
    }

    static byte[] request(int type, long cookie, long offset, long length) {
        return ByteBuffer.allocate(28).putInt(REQUEST_MAGIC).putShort((short) 0).putShort((short) type)
                .putLong(cookie).putLong(offset).putInt((int) length).array();
    }

    /** NBD_OPT_GO for {@code name} (no structured replies: simple replies are easy to read). */
    Wire go(String name) throws IOException {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        out.write(option(OPT_GO, ByteBuffer.allocate(6 + n.length).putInt(n.length).put(n).putShort((short) 0)
                .array()));
        out.flush();
        while (true) {
            in.readLong();
            in.readInt();
            int type = in.readInt();
            int length = in.readInt();
            in.skipNBytes(length);
            if (type == 1) {
                return this;
            }
            if (type < 0) {
                throw new IOException("NBD_OPT_GO refused: 0x" + Integer.toHexString(type));
            }
        }
    }

    /** Writes {@code data} at {@code offset} and reads it back: the server serves, and keeps what it is given. */
    static void checkServes(int port, String export, long offset, byte[] data) throws IOException {
        try (Wire w = new Wire(port).go(export)) {
            w.out.write(request(CMD_WRITE, 1, offset, data.length));
            w.out.write(data);
            w.out.flush();
            w.expectSimple(1, 0);
            w.out.write(request(CMD_READ, 2, offset, data.length));
            w.out.flush();
            w.expectSimple(2, 0);
            byte[] back = w.in.readNBytes(data.length);
            if (!Arrays.equals(data, back)) {
                throw new IOException("data read back differs from what was written at " + offset);
            }
        }
    }

    void expectSimple(long cookie, int error) throws IOException {
        int magic = in.readInt();
        int got = in.readInt();
        long handle = in.readLong();
        if (magic != 0x67446698 || got != error || handle != cookie) {
            throw new IOException("unexpected reply: magic 0x" + Integer.toHexString(magic) + " error " + got
                    + " cookie " + handle);
        }
    }

    /** Whether the server closed this connection (reads end) within the socket's timeout. */
    boolean closedByServer() {
        try {
            while (in.read(new byte[65536]) >= 0) {
                // what the server had sent before it hung up
            }
            return true;
        } catch (EOFException e) {
            return true;
        } catch (IOException e) {
            return !e.getMessage().contains("timed out");
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
