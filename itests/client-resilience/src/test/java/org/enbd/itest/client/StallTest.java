package org.enbd.itest.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.enbd.api.control.Status;
import org.enbd.api.layer.SyncLayer;
import org.enbd.client.RemoteDevice;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One connection's path stops (SIGSTOP of its relay process): its requests are retracted and I/O goes on over
 * the other; and a write stuck on that path, delivered when it resumes, never overwrites newer data.
 */
class StallTest {
    private static final int BLOCK = 4096;
    private static final int BLOCKS = 16;
    private Peers peers;
    private Engine engine;
    private int serverPort;
    private Relay relay;
    private Long stopped;

    @BeforeEach
    void start() throws Exception {
        peers = new Peers();
        engine = new Engine();
        serverPort = Peers.freePort();
        Servers.nbdkit(peers, serverPort, "memory", "64M");
        relay = Relay.start(peers, serverPort);
    }

    @AfterEach
    void stop() throws Exception {
        if (stopped != null) {
            Peers.signal(stopped, "CONT");
        }
        engine.close();
        peers.close();
    }

    private RemoteDevice openThroughRelay() throws Exception {
        int before = relay.connectionPids().size();
        RemoteDevice dev = engine.open(Engine.options("nbd://127.0.0.1:" + relay.port + "/")
                .withConnections(2).withStallTimeout(Duration.ofMillis(800)));
        engine.board.await("test-device", s -> s.state() == Status.State.UP, Duration.ofSeconds(10));
        List<Long> pids = relay.awaitConnections(before + 2);
        assertEquals(before + 2, pids.size(), "two connections through the relay");
        stopped = pids.get(before);
        Peers.signal(stopped, "STOP");
        return dev;
    }

    private static ByteBuf filled(int length, int value) {
        ByteBuf b = Unpooled.buffer(length);
        b.writeZero(length);
        for (int i = 0; i < length; i++) {
            b.setByte(i, value);
        }
        return b;
    }

    private static long retracted(RemoteDevice dev) {
        return ((Number) dev.status().attributes().get("retracted")).longValue();
    }

    @Test
    void stalledConnectionsRequestsAreRetractedAndIoGoesOn() throws Exception {
        try (RemoteDevice dev = openThroughRelay()) {
            for (int round = 0; round < 2; round++) {
                List<CompletableFuture<Void>> writes = new ArrayList<>();
                for (int i = 0; i < 32; i++) {
                    writes.add(dev.write((round * 32L + i) * 65536, filled(65536, round * 32 + i), 0)
                            .toCompletableFuture());
                }
                CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
            }
            assertTrue(retracted(dev) >= 1, "requests on the stopped path were retracted");
            for (int i = 0; i < 64; i++) {
                ByteBuf back = SyncLayer.await(dev.read(i * 65536L, 65536, 0, ByteBufAllocator.DEFAULT));
                assertEquals((byte) i, back.getByte(0));
                assertEquals((byte) i, back.getByte(65535));
                back.release();
            }
            assertTrue(((Number) dev.status().attributes().get("connections")).intValue() >= 1);
        }
    }

    @Test
    void aStalledWriteDeliveredLateNeverOverwritesNewerData() throws Exception {
        long waiting;
        try (RemoteDevice dev = openThroughRelay()) {
            List<CompletableFuture<Void>> older = new ArrayList<>();
            for (int i = 0; i < BLOCKS; i++) {
                older.add(dev.write(i * 65536L, filled(BLOCK, 0xAA), 0).toCompletableFuture());
            }
            CompletableFuture.allOf(older.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
            assertTrue(retracted(dev) >= 1, "some old writes are stuck on the stopped path");

            List<CompletableFuture<Void>> newer = new ArrayList<>();
            for (int i = 0; i < BLOCKS; i++) {
                newer.add(dev.write(i * 65536L, filled(BLOCK, 0xBB), 0).toCompletableFuture());
            }
            Thread.sleep(500);
            waiting = newer.stream().filter(f -> !f.isDone()).count();

            Peers.signal(stopped, "CONT");
            stopped = null;
            CompletableFuture.allOf(newer.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
            SyncLayer.await(dev.flush(0));
        }
        // read what the server holds through a fresh, direct connection
        try (RemoteDevice direct = engine.open(Engine.options("nbd://127.0.0.1:" + serverPort + "/")
                .withConnections(1))) {
            for (int i = 0; i < BLOCKS; i++) {
                ByteBuf back = SyncLayer.await(direct.read(i * 65536L, BLOCK, 0, ByteBufAllocator.DEFAULT));
                for (int j = 0; j < BLOCK; j += 512) {
                    assertEquals((byte) 0xBB, back.getByte(j), "block " + i + " holds the newest data");
                }
                back.release();
            }
        }
        assertTrue(waiting >= 1, "newer writes over a stuck old copy waited for it");
    }
}
