package org.enbd.itest.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.enbd.api.layer.SyncLayer;
import org.enbd.api.stream.StreamAddress;
import org.enbd.client.DeviceStack;
import org.enbd.client.LocalEndpoint;
import org.enbd.client.RemoteDevice;
import org.enbd.feature.async.internal.AsyncFeature;
import org.enbd.server.LayeredExport;
import org.enbd.server.StackEntry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The async feature's ack-late mode between real peers: nbdkit's memory plugin behind its delay filter (every
 * write answered 5 ms late) as the server, the client device with the feature stacked, and qemu-img or a client of
 * this test in front of the device's local endpoint. Data lands byte for byte; a client killed with writes
 * acknowledged and unanswered loses at most its window, and nothing that a FLUSH answered.
 */
class AckLateTest {
    private static final long SIZE = 24L << 20;
    private static final int BLOCK = 64 << 10;
    private Peers peers;
    private Engine engine;
    private String server;

    @BeforeEach
    void start() throws Exception {
        peers = new Peers();
        engine = new Engine();
        int port = Peers.freePort();
        Servers.nbdkit(peers, port, "--filter=delay", "memory", Long.toString(SIZE), "wdelay=5ms");
        server = "nbd://127.0.0.1:" + port + "/";
    }

    @AfterEach
    void stop() throws Exception {
        engine.close();
        peers.close();
    }

    @Test
    void qemuImgConvertThroughAckLateLandsByteForByte() throws Exception {
        Peers.require("qemu-img");
        Path source = Servers.source(peers.dir, "source.img", SIZE, 7);
        Path socket = peers.dir.resolve("async.sock");
        try (RemoteDevice device = engine.open(Engine.options(server).withConnections(2));
             LayeredExport stack = DeviceStack.open(device, List.of(StackEntry.of("async", new AsyncFeature("2M"))));
             LocalEndpoint endpoint = LocalEndpoint.start(device, stack, engine.tcp,
                     StreamAddress.unix(socket.toString(), ""))) {
            // -W: writes out of order, many in flight, overlapping the window's ordering rules
            int rc = peers.run(Duration.ofSeconds(120), "convert", "qemu-img", "convert", "-n", "-W", "-f", "raw",
                    "-O", "raw", source.toString(), "nbd+unix:///?socket=" + socket);
            assertEquals(0, rc, peers.log("convert"));
        }
        int rc = peers.run(Duration.ofSeconds(60), "compare", "qemu-img", "compare", "-f", "raw", "-F", "raw",
                source.toString(), server);
        assertEquals(0, rc, "the server holds exactly the source: " + peers.log("compare"));
    }

    @Test
    void aKilledClientLosesAtMostItsWindowAndNothingAFlushAnswered() throws Exception {
        int lost = killedClientLoss(peers, engine, server, "ack-late", 1 << 20);
        System.out.println("ack-late kill -9: " + lost + " of 4 rewritten 64 KiB blocks lost their last"
                + " acknowledged version (window 16 blocks)");
    }

    /**
     * A client process with the async feature in {@code mode} (window {@code window}) killed with kill -9 right after
     * its last acknowledgement; returns how many rewritten blocks lost their last version, having checked that
     * every block a FLUSH covered is there, that each rewritten block holds one whole version, and that the loss
     * is within the window.
     */
    static int killedClientLoss(Peers peers, Engine engine, String server, String mode, long window)
            throws Exception {
        Path socket = peers.dir.resolve(mode + "-killed.sock");
        String java = ProcessHandle.current().info().command().orElse("java");
        Process client = peers.start(mode + "-client", java, "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow", "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                AckLateEndpointMain.class.getName(), server, socket.toString(), Long.toString(window), mode);
        Peers.awaitFile(socket, Duration.ofSeconds(30));

        // 128 blocks (8 MiB) flushed after every 64; then 12 rounds over 4 further blocks, never flushed: with
        // ack-late a rewrite is passed on only after the write before it to that block is answered (5 ms at
        // nbdkit's delay filter), so several acknowledged versions of each block wait, unsent, in the client
        int flushed = 128;
        int rewritten = 4;
        int rounds = 12;
        try (RemoteDevice writer = engine.open(Engine.options("nbd+unix:///?socket=" + socket)
                .withConnections(1))) {
            SyncLayer sync = new SyncLayer(writer);
            for (int i = 0; i < flushed; i++) {
                write(sync, i, pattern(i));
                if (i % 64 == 63) {
                    sync.flush();
                }
            }
            for (int round = 1; round <= rounds; round++) {
                for (int i = flushed; i < flushed + rewritten; i++) {
                    write(sync, i, pattern(i * 10 + round));
                }
            }
            Peers.kill9(client); // right after the last acknowledgement
        }

        int lost = 0;
        try (RemoteDevice direct = engine.open(Engine.options(server))) {
            SyncLayer sync = new SyncLayer(direct);
            for (int i = 0; i < flushed + rewritten; i++) {
                ByteBuf found = sync.read((long) i * BLOCK, BLOCK, ByteBufAllocator.DEFAULT);
                try {
                    if (i < flushed) {
                        assertTrue(same(found, pattern(i)), "block " + i + " was covered by a FLUSH that succeeded");
                        continue;
                    }
                    int version = -1;
                    for (int round = 0; round <= rounds && version < 0; round++) {
                        if (round == 0 ? found.forEachByte(b -> b == 0) < 0 : same(found, pattern(i * 10 + round))) {
                            version = round;
                        }
                    }
                    assertTrue(version >= 0, "block " + i + " holds one of the versions written, not a mix");
                    if (version < rounds) {
                        lost++;
                    }
                } finally {
                    found.release();
                }
            }
        }
        assertTrue((long) lost * BLOCK <= window, lost + " blocks of " + BLOCK + " bytes lost, more than the window"
                + " of " + window);
        return lost;
    }

    private static void write(SyncLayer sync, int block, ByteBuf data) throws Exception {
        try {
            sync.write((long) block * BLOCK, data, 0);
        } finally {
            data.release();
        }
    }

    private static boolean same(ByteBuf found, ByteBuf expected) {
        try {
            return found.equals(expected);
        } finally {
            expected.release();
        }
    }

    /** Block {@code i}: its index in every byte pair, so a block found elsewhere or half-written shows. */
    private static ByteBuf pattern(int i) {
        byte[] b = new byte[BLOCK];
        for (int k = 0; k < BLOCK; k += 2) {
            b[k] = (byte) (i >> 8);
            b[k + 1] = (byte) i;
        }
        b[0] = (byte) 0xA5; // never all zeros, as the memory plugin's unwritten blocks are
        return Unpooled.wrappedBuffer(b);
    }
}
