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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.enbd.api.control.Status;
import org.enbd.api.layer.SyncLayer;
import org.enbd.api.stream.StreamAddress;
import org.enbd.client.LocalEndpoint;
import org.enbd.client.RemoteDevice;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** kill -9 of a file-backed server while I/O runs, restarted on the same port: nothing fails, nothing is lost. */
class ServerRestartTest {
    private Peers peers;
    private Engine engine;
    private int port;
    private Path image;

    @BeforeEach
    void start() throws Exception {
        peers = new Peers();
        engine = new Engine();
        port = Peers.freePort();
    }

    @AfterEach
    void stop() throws Exception {
        engine.close();
        peers.close();
    }

    /** nbdkit's file plugin, slowed by its rate filter so that a copy lasts long enough to be cut. */
    private Process server(String rate) throws Exception {
        return Servers.nbdkit(peers, port, "--filter=rate", "file", image.toString(), "rate=" + rate,
                "burstiness=0.2");
    }

    @Test
    void copyThroughTheEndpointSurvivesKillAndRestartOfTheServer() throws Exception {
        Peers.require("qemu-img");
        long size = 32L << 20;
        Path source = Servers.source(peers.dir, "source.img", size, 7);
        image = Servers.blank(peers.dir, "server.img", size);
        Process server = server("80M");
        Path socket = peers.dir.resolve("endpoint.sock");
        try (RemoteDevice device = engine.open(Engine.options("nbd://127.0.0.1:" + port + "/"));
             LocalEndpoint endpoint = LocalEndpoint.start(device, engine.tcp, StreamAddress.unix(socket.toString(), ""))) {
            Process copy = peers.start("convert", "qemu-img", "convert", "-n", "-f", "raw", "-O", "raw", "-W",
                    source.toString(), "nbd+unix:///?socket=" + socket);
            Thread.sleep(1000);
            assertTrue(copy.isAlive(), "the copy is still running when the server dies: " + peers.log("convert"));
            Peers.kill9(server);
            Thread.sleep(700);
            server("80M");
            assertTrue(copy.waitFor(90, TimeUnit.SECONDS), "copy finished");
            assertEquals(0, copy.exitValue(), peers.log("convert"));
            assertTrue(((Number) device.status().attributes().get("connectionsLost")).longValue() >= 1);
        }
        int rc = peers.run(Duration.ofSeconds(60), "compare", "qemu-img", "compare", "-f", "raw", "-F", "raw",
                source.toString(), "nbd://127.0.0.1:" + port + "/");
        assertEquals(0, rc, peers.log("compare"));
    }

    @Test
    void randomWritesWhileNbdkitIsKilledAndRestartedThreeTimes() throws Exception {
        randomWritesWhileKilled(() -> server("400M"));
    }

    @Test
    void randomWritesWhileEnbdServerIsKilledAndRestartedThreeTimes() throws Exception {
        randomWritesWhileKilled(() -> Servers.enbdProcess(peers, port, image));
    }

    private static long connectionsLost(RemoteDevice device) {
        return lost(device.status());
    }

    private static long lost(Status s) {
        return ((Number) s.attributes().get("connectionsLost")).longValue();
    }

    private static boolean connected(Status s) {
        return ((Number) s.attributes().get("connections")).intValue() > 0;
    }

    private interface Starter {
        Process start() throws Exception;
    }

    private void randomWritesWhileKilled(Starter starter) throws Exception {
        int regionSize = 2 << 20;
        int writers = 4;
        image = Servers.blank(peers.dir, "server.img", (long) regionSize * writers);
        AtomicReference<Process> server = new AtomicReference<>(starter.start());
        byte[][] expected = new byte[writers][regionSize];
        List<Thread> threads = new ArrayList<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicBoolean writing = new AtomicBoolean(true);
        List<String> timeline = new ArrayList<>();
        try (RemoteDevice device = engine.open(Engine.options("nbd://127.0.0.1:" + port + "/disk")
                .withConnections(4))) {
            for (int w = 0; w < writers; w++) {
                int id = w;
                threads.add(Thread.ofPlatform().name("writer-" + w).start(() -> {
                    SplittableRandom random = new SplittableRandom(id);
                    try {
                        while (writing.get()) {
                            int length = 512 * random.nextInt(1, 129);
                            int at = 512 * random.nextInt(0, (regionSize - length) / 512 + 1);
                            byte[] data = new byte[length];
                            random.nextBytes(data);
                            ByteBuf buf = Unpooled.wrappedBuffer(data);
                            SyncLayer.await(device.write((long) id * regionSize + at, buf, 0));
                            buf.release();
                            System.arraycopy(data, 0, expected[id], at, length);
                        }
                    } catch (Throwable t) {
                        failure.compareAndSet(null, t);
                    }
                }));
            }
            long start = System.nanoTime();
            for (int k = 0; k < 3; k++) {
                Thread.sleep(1500);
                long lost = connectionsLost(device);
                Peers.kill9(server.get());
                Thread.sleep(300);
                server.set(starter.start());
                timeline.add("kill " + (k + 1) + ": server back at " + (System.nanoTime() - start) / 1_000_000 + " ms");
                // the next kill waits until the client is back on this server: a server killed again before it
                // answers a handshake (a cold JVM on a starved machine can take longer than any fixed pause)
                // leaves the client with no server at all, and downtime adding up past deadTime must fail with EIO
                try {
                    engine.board.await("test-device", s -> connected(s) && lost(s) > lost, Duration.ofSeconds(25));
                } catch (TimeoutException e) {
                    throw new AssertionError("the client did not come back to the restarted server: " + timeline
                            + "; " + device.status());
                }
                timeline.add("kill " + (k + 1) + ": client back at " + (System.nanoTime() - start) / 1_000_000 + " ms");
            }
            System.out.println("server restarts: " + timeline);
            Thread.sleep(1000);
            writing.set(false);
            for (Thread t : threads) {
                t.join(60_000);
            }
            if (failure.get() != null) {
                throw new AssertionError("a write failed; " + timeline, failure.get());
            }
            SyncLayer.await(device.flush(0));
            for (int w = 0; w < writers; w++) {
                ByteBuf back = SyncLayer.await(device.read((long) w * regionSize, regionSize, 0,
                        ByteBufAllocator.DEFAULT));
                byte[] got = new byte[regionSize];
                back.getBytes(back.readerIndex(), got);
                back.release();
                assertArrayEquals(expected[w], got, "region " + w + " read back through the device");
            }
            assertTrue(((Number) device.status().attributes().get("connectionsLost")).longValue() >= 3);
        }
        byte[] onDisk = Files.readAllBytes(image);
        for (int w = 0; w < writers; w++) {
            assertArrayEquals(expected[w], Arrays.copyOfRange(onDisk, w * regionSize, (w + 1) * regionSize),
                    "region " + w + " in the server's file");
        }
    }
}
