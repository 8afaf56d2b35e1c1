package org.enbd.itest.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.enbd.api.layer.SyncLayer;
import org.enbd.client.RemoteDevice;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * ENBD-J's server with a volatile write cache, killed with acknowledged writes not yet flushed: the client sends
 * them again after the restart, so reads see them and a FLUSH makes them durable. Without the replay log the
 * same run loses them (which shows that the server really forgets).
 */
class ReplayTest {
    private static final int SIZE = 4 << 20;
    private Peers peers;
    private Engine engine;
    private int port;
    private Path image;

    @BeforeEach
    void start() throws Exception {
        peers = new Peers();
        engine = new Engine();
        port = Peers.freePort();
        image = Servers.blank(peers.dir, "server.img", SIZE);
    }

    @AfterEach
    void stop() throws Exception {
        engine.close();
        peers.close();
    }

    /** Writes random data unflushed, kills and restarts the server, and returns what the device reads back. */
    private byte[] writeKillRead(RemoteDevice dev, byte[] expected) throws Exception {
        SplittableRandom random = new SplittableRandom(11);
        for (int i = 0; i < 200; i++) {
            int length = 512 * random.nextInt(1, 65);
            int at = 512 * random.nextInt(0, (SIZE - length) / 512 + 1);
            byte[] data = new byte[length];
            random.nextBytes(data);
            ByteBuf buf = Unpooled.wrappedBuffer(data);
            SyncLayer.await(dev.write(at, buf, 0));
            buf.release();
            System.arraycopy(data, 0, expected, at, length);
        }
        Peers.kill9(server);
        Thread.sleep(300);
        server = Servers.enbdProcess(peers, port, image, "volatile");
        ByteBuf back = SyncLayer.await(dev.read(0, SIZE, 0, ByteBufAllocator.DEFAULT));
        byte[] got = new byte[SIZE];
        back.getBytes(back.readerIndex(), got);
        back.release();
        return got;
    }

    private Process server;

    @Test
    void acknowledgedUnflushedWritesSurviveAServerRestart() throws Exception {
        server = Servers.enbdProcess(peers, port, image, "volatile");
        byte[] expected = new byte[SIZE];
        try (RemoteDevice dev = engine.open(Engine.options("nbd://127.0.0.1:" + port + "/disk").withConnections(2))) {
            assertArrayEquals(expected, new byte[SIZE]);
            byte[] got = writeKillRead(dev, expected);
            assertArrayEquals(expected, got, "reads after the restart see every acknowledged write");
            assertTrue(((Number) dev.status().attributes().get("replayed")).longValue() >= 1);
            SyncLayer.await(dev.flush(0));
        }
        Peers.kill9(server);
        assertArrayEquals(expected, Files.readAllBytes(image), "after the FLUSH the server's file holds them");
    }

    @Test
    void withoutTheReplayLogTheServerLosesThem() throws Exception {
        server = Servers.enbdProcess(peers, port, image, "volatile");
        byte[] expected = new byte[SIZE];
        try (RemoteDevice dev = engine.open(Engine.options("nbd://127.0.0.1:" + port + "/disk").withConnections(2)
                .withReplayLimit(0))) {
            byte[] got = writeKillRead(dev, expected);
            assertFalse(Arrays.equals(expected, got), "the control run: a restart without replay loses writes");
        }
    }
}
