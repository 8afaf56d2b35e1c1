package org.enbd.itest.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad peers written byte by byte on raw sockets: each loses its own connection (or gets an error reply), and the
 * server keeps serving everyone else, checked each time with a real client.
 */
class HandshakeRobustnessTest {
    private static final long IHAVEOPT = 0x49484156454F5054L;
    private static final long REPLY_MAGIC = 0x3e889045565a9L;
    private static final int ERR_UNSUP = 0x80000001;
    private static final int ERR_POLICY = 0x80000002;
    private static final int ERR_TOO_BIG = 0x80000009;
    @TempDir
    static Path dir;
    static ServedExports served;

    @BeforeAll
    static void start() throws Exception {
        served = new ServedExports(dir, "disk=memory:8M");
    }

    @AfterAll
    static void stop() {
        served.close();
    }

    @AfterEach
    void othersAreStillServed() {
        assertEquals("8388608", Peer.run("nbdinfo", "--size", served.uri("disk")).ok().stdout().trim());
    }

    @Test
    void garbageInsteadOfAnOptionClosesThatConnection() throws IOException {
        try (Raw raw = new Raw()) {
            raw.out.writeInt(3);
            raw.out.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());
            raw.out.flush();
            raw.assertClosed();
        }
    }

    @Test
    void truncatedHandshakeIsHarmless() throws IOException {
        try (Raw raw = new Raw()) {
            raw.out.writeLong(IHAVEOPT); // flags missing half, then the option cut short
            raw.out.flush();
        }
    }

    @Test
    void unknownClientFlagsCloseTheConnection() throws IOException {
        try (Raw raw = new Raw()) {
            raw.out.writeInt(0x80);
            raw.out.flush();
            raw.assertClosed();
        }
    }

    @Test
    void unknownOptionGetsErrUnsupAndTheHandshakeGoesOn() throws IOException {
        try (Raw raw = new Raw()) {
            raw.out.writeInt(3);
            assertEquals(ERR_UNSUP, raw.option(999, new byte[] {1, 2, 3}));
            assertEquals(1, raw.option(2, new byte[0]), "ABORT is acknowledged");
            raw.assertClosed();
        }
    }

    @Test
    void oversizedOptionGetsErrTooBigAndIsSkipped() throws IOException {
        try (Raw raw = new Raw()) {
            raw.out.writeInt(3);
            assertEquals(ERR_TOO_BIG, raw.option(6, new byte[1 << 20]));
            assertEquals(ERR_UNSUP, raw.option(4242, new byte[0]));
        }
    }

    @Test
    void startTlsIsRefusedByPolicyWhenTlsIsOff() throws IOException {
        try (Raw raw = new Raw()) {
            raw.out.writeInt(3);
            assertEquals(ERR_POLICY, raw.option(5, new byte[0]));
        }
    }

    @Test
    void garbageInTransmissionClosesOnlyThatConnection() throws IOException {
        try (Raw raw = new Raw()) {
            raw.out.writeInt(3);
            raw.out.writeLong(IHAVEOPT);
            raw.out.writeInt(1); // EXPORT_NAME "disk"
            raw.out.writeInt(4);
            raw.out.write("disk".getBytes());
            raw.out.flush();
            assertEquals(8 << 20, raw.in.readLong());
            raw.in.readUnsignedShort(); // transmission flags; NO_ZEROES was agreed
            raw.out.write(new byte[28]); // a request with a zero magic
            raw.out.flush();
            raw.assertClosed();
        }
    }

    /** A hand-driven client that has read the server's greeting. */
    private static final class Raw implements AutoCloseable {
        final Socket socket;
        final DataInputStream in;
        final DataOutputStream out;

        Raw() throws IOException {
            socket = new Socket("127.0.0.1", served.port());
            socket.setSoTimeout(10_000);
            in = new DataInputStream(socket.getInputStream());
            out = new DataOutputStream(socket.getOutputStream());
            assertEquals(0x4e42444d41474943L, in.readLong());
            assertEquals(IHAVEOPT, in.readLong());
            assertEquals(3, in.readUnsignedShort());
        }

        /** Sends an option, reads replies until a final one, returns its type. */
        int option(int option, byte[] data) throws IOException {
            out.writeLong(IHAVEOPT);
            out.writeInt(option);
            out.writeInt(data.length);
            out.write(data);
            out.flush();
            while (true) {
                assertEquals(REPLY_MAGIC, in.readLong());
                assertEquals(option, in.readInt());
                int type = in.readInt();
                in.skipNBytes(in.readInt());
                if (type != 2 && type != 3 && type != 4) {
                    return type;
                }
            }
        }

        void assertClosed() throws IOException {
            try {
                while (in.read() >= 0) {
                    // drain what was sent before the close
                }
            } catch (EOFException | java.net.SocketException e) {
                // closed
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
