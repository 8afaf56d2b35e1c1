package org.enbd.itest.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.enbd.api.layer.RequestFlags;
import org.enbd.api.layer.SyncLayer;
import org.enbd.api.stream.StreamAddress;
import org.enbd.client.DeviceStack;
import org.enbd.client.LocalEndpoint;
import org.enbd.client.RemoteDevice;
import org.enbd.feature.async.internal.AsyncFeature;
import org.enbd.server.RestackableExport;
import org.enbd.server.StackEntry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The async feature's no-ack mode between real peers: writes go to ENBD-J's server without a reply and are
 * confirmed by FLUSHes; against a standard server (nbdkit) they are answered as before. A server killed with
 * writes it never answered (and, with a volatile cache, never kept) gets them again after its restart.
 */
class NoAckTest {
    private static final int SIZE = 4 << 20;
    private Peers peers;
    private Engine engine;

    @BeforeEach
    void start() throws Exception {
        peers = new Peers();
        engine = new Engine();
    }

    @AfterEach
    void stop() throws Exception {
        engine.close();
        peers.close();
    }

    private static long unanswered(RemoteDevice device) {
        return ((Number) device.status().attributes().get("unansweredWrites")).longValue();
    }

    @Test
    void unansweredWritesSurviveAServerThatDiesWithThem() throws Exception {
        int port = Peers.freePort();
        Path image = Servers.blank(peers.dir, "server.img", SIZE);
        Process server = Servers.enbdProcess(peers, port, image, "volatile");
        byte[] expected = new byte[SIZE];
        try (RemoteDevice dev = engine.open(Engine.options("nbd://127.0.0.1:" + port + "/disk").withConnections(2))) {
            SplittableRandom random = new SplittableRandom(5);
            for (int i = 0; i < 200; i++) {
                int length = 512 * random.nextInt(1, 65);
                int at = 512 * random.nextInt(0, (SIZE - length) / 512 + 1);
                byte[] data = new byte[length];
                random.nextBytes(data);
                ByteBuf buf = Unpooled.wrappedBuffer(data);
                SyncLayer.await(dev.write(at, buf, RequestFlags.NO_REPLY));
                buf.release();
                System.arraycopy(data, 0, expected, at, length);
            }
            assertEquals(200, unanswered(dev), "every write went out without a reply");
            Peers.kill9(server); // its volatile cache held whatever had not been flushed: gone
            Thread.sleep(300);
            server = Servers.enbdProcess(peers, port, image, "volatile");
            ByteBuf back = SyncLayer.await(dev.read(0, SIZE, 0, ByteBufAllocator.DEFAULT));
            byte[] got = new byte[SIZE];
            back.getBytes(back.readerIndex(), got);
            back.release();
            assertArrayEquals(expected, got, "reads after the restart see every write sent without a reply");
            SyncLayer.await(dev.flush(0));
        }
        Peers.kill9(server);
        assertArrayEquals(expected, Files.readAllBytes(image), "after the FLUSH the server's file holds them");
    }

    @Test
    void aKilledClientLosesAtMostItsWindowAndNothingAFlushAnswered() throws Exception {
        int port = Peers.freePort();
        Path image = Servers.blank(peers.dir, "killed.img", 16 << 20);
        Servers.enbdProcess(peers, port, image);
        int lost = AckLateTest.killedClientLoss(peers, engine, "nbd://127.0.0.1:" + port + "/disk", "no-ack", 1 << 20);
        System.out.println("no-ack kill -9: " + lost + " of 4 rewritten 64 KiB blocks lost their last version");
    }

    @Test
    void qemuImgConvertThroughNoAckLandsByteForByteWithoutReplies() throws Exception {
        Peers.require("qemu-img");
        long size = 24L << 20;
        Path source = Servers.source(peers.dir, "source.img", size, 3);
        try (Servers.Running server = Servers.enbd(engine, Peers.freePort(), size)) {
            long sent = convert(server.uri(), source, "enbd");
            assertTrue(sent > 0, "writes went without replies to ENBD-J's server");
            int rc = peers.run(Duration.ofSeconds(60), "compare", "qemu-img", "compare", "-f", "raw", "-F", "raw",
                    source.toString(), server.uri());
            assertEquals(0, rc, "the server holds exactly the source: " + peers.log("compare"));
        }
    }

    @Test
    void aStandardServerGetsEveryWriteAnswered() throws Exception {
        Peers.require("qemu-img");
        Peers.require("nbdkit");
        long size = 24L << 20;
        Path source = Servers.source(peers.dir, "source.img", size, 4);
        int port = Peers.freePort();
        Servers.nbdkit(peers, port, "memory", Long.toString(size));
        String uri = "nbd://127.0.0.1:" + port + "/";
        assertEquals(0, convert(uri, source, "nbdkit"), "nbdkit never sees the flag nor the option");
        int rc = peers.run(Duration.ofSeconds(60), "compare-nbdkit", "qemu-img", "compare", "-f", "raw", "-F", "raw",
                source.toString(), uri);
        assertEquals(0, rc, peers.log("compare-nbdkit"));
    }

    /** qemu-img convert -W through a local endpoint with async=no-ack; returns the writes sent without a reply. */
    private long convert(String server, Path source, String name) throws Exception {
        Path socket = peers.dir.resolve(name + ".sock");
        try (RemoteDevice device = engine.open(Engine.options(server).withConnections(2));
             RestackableExport stack = DeviceStack.openRestackable(device,
                     List.of(StackEntry.of("async", new AsyncFeature("2M"))), Map.of("async", "no-ack"));
             LocalEndpoint endpoint = LocalEndpoint.start(device, stack, engine.tcp,
                     StreamAddress.unix(socket.toString(), ""))) {
            int rc = peers.run(Duration.ofSeconds(120), "convert-" + name, "qemu-img", "convert", "-n", "-W", "-f",
                    "raw", "-O", "raw", source.toString(), "nbd+unix:///?socket=" + socket);
            assertEquals(0, rc, peers.log("convert-" + name));
            return unanswered(device);
        }
    }
}
