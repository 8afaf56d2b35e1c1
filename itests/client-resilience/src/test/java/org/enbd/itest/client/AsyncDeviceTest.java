package org.enbd.itest.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.enbd.api.control.Status;
import org.enbd.client.RemoteDevice;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The device as an asynchronous {@code Layer} against nbdkit's memory plugin: every command, the borrowing rule
 * for write data, and a full queue that never makes a caller wait.
 */
class AsyncDeviceTest {
    private Peers peers;
    private Engine engine;
    private int port;
    private Long stopped;

    @BeforeEach
    void start() throws Exception {
        Peers.require("nbdkit");
        peers = new Peers();
        engine = new Engine();
        port = Peers.freePort();
        Servers.nbdkit(peers, port, "memory", "64M");
    }

    @AfterEach
    void stop() throws Exception {
        if (stopped != null) {
            Peers.signal(stopped, "CONT");
        }
        engine.close();
        peers.close();
    }

    private static ByteBuf pattern(int length, int seed) {
        ByteBuf b = Unpooled.directBuffer(length);
        for (int i = 0; i < length; i++) {
            b.writeByte(i * 31 + seed);
        }
        return b;
    }

    private static <T> T get(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(20, TimeUnit.SECONDS);
    }

    @Test
    void everyCommandCompletesItsFutureAndWriteDataIsOnlyBorrowed() throws Exception {
        try (RemoteDevice dev = engine.open(Engine.options("nbd://127.0.0.1:" + port + "/").withConnections(2))) {
            ByteBuf data = pattern(65536, 5);
            get(dev.write(1 << 20, data, 0));
            assertTrue(data.refCnt() > 1, "the replay log keeps a retained slice of the caller's buffer, no copy");
            ByteBuf back = get(dev.read(1 << 20, 65536, 0, ByteBufAllocator.DEFAULT));
            assertEquals(data, back, "read back what was written");
            back.release();

            get(dev.flush(0));
            assertEquals(1, data.refCnt(), "flushed: the log let go, only the caller's own reference is left");
            data.release();
            get(dev.zero(1 << 20, 4096, 0));
            get(dev.cache(0, 65536, 0));
            get(dev.trim(2 << 20, 1 << 20, 0));
            ByteBuf zeros = get(dev.read(1 << 20, 8192, 0, ByteBufAllocator.DEFAULT));
            for (int i = 0; i < 4096; i++) {
                assertEquals(0, zeros.getByte(i), "zeroed at " + i);
            }
            assertEquals((byte) (4096 * 31 + 5), zeros.getByte(4096), "the rest of the write is still there");
            zeros.release();
        }
    }

    @Test
    void requestsLargerThanThePayloadLimitAreSplitAndJoined() throws Exception {
        try (RemoteDevice dev = engine.open(Engine.options("nbd://127.0.0.1:" + port + "/").withMaxPayload(4096))) {
            ByteBuf data = pattern(5 * 4096 + 512, 9);
            get(dev.write(8192, data, 0));
            get(dev.flush(0));
            assertEquals(1, data.refCnt(), "every part's slice released once flushed");
            ByteBuf back = get(dev.read(8192, data.readableBytes(), 0, ByteBufAllocator.DEFAULT));
            assertEquals(data, back);
            back.release();
            data.release();
        }
    }

    @Test
    void aFullQueueNeverMakesAnAsynchronousCallerWait() throws Exception {
        Relay relay = Relay.start(peers, port);
        int before = relay.connectionPids().size();
        try (RemoteDevice dev = engine.open(Engine.options("nbd://127.0.0.1:" + relay.port + "/")
                .withConnections(1).withQueueLimit(2).withStallTimeout(Duration.ofSeconds(30)))) {
            engine.board.await("test-device", s -> s.state() == Status.State.UP, Duration.ofSeconds(10));
            stopped = relay.awaitConnections(before + 1).get(before);
            Peers.signal(stopped, "STOP");
            List<CompletableFuture<Void>> writes = new ArrayList<>();
            List<ByteBuf> buffers = new ArrayList<>();
            long start = System.nanoTime();
            for (int i = 0; i < 32; i++) {
                ByteBuf b = pattern(4096, i);
                buffers.add(b);
                writes.add(dev.write(i * 4096L, b, 0).toCompletableFuture());
            }
            assertTrue(System.nanoTime() - start < Duration.ofSeconds(5).toNanos(),
                    "32 calls with a queue limit of 2 and a stopped path returned without waiting");
            assertFalse(writes.getLast().isDone(), "the path is stopped: nothing can be answered yet");
            Peers.signal(stopped, "CONT");
            stopped = null;
            for (CompletableFuture<Void> w : writes) {
                get(w);
            }
            for (int i = 0; i < 32; i++) {
                ByteBuf back = get(dev.read(i * 4096L, 4096, 0, ByteBufAllocator.DEFAULT));
                assertEquals(buffers.get(i), back, "block " + i);
                back.release();
                buffers.get(i).release();
            }
        }
    }
}
