package org.enbd.itest.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.control.Status;
import org.enbd.api.layer.SyncLayer;
import org.enbd.client.RemoteDevice;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** nbdkit's delay and error filters: a slow server still gets answers; server errors reach the caller as such. */
class FaultInjectionTest {
    private Peers peers;
    private Engine engine;
    private int port;

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

    @Test
    void everyReadSlowerThanTheStallTimeoutStillCompletes() throws Exception {
        // every read takes 1.2 s on every connection: retraction cannot help, but the doubling budget lets it end
        Servers.nbdkit(peers, port, "--filter=delay", "memory", "16M", "rdelay=1200ms");
        try (RemoteDevice dev = engine.open(Engine.options("nbd://127.0.0.1:" + port + "/")
                .withConnections(2).withStallTimeout(Duration.ofMillis(400)))) {
            List<CompletableFuture<ByteBuf>> reads = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                reads.add(dev.read(i * 4096L, 4096, 0, ByteBufAllocator.DEFAULT).toCompletableFuture());
            }
            for (CompletableFuture<ByteBuf> r : reads) {
                r.get(30, TimeUnit.SECONDS).release();
            }
            assertTrue(((Number) dev.status().attributes().get("retracted")).longValue() >= 1,
                    "the slow replies were taken for stalls first");
        }
    }

    @Test
    void serverErrorsFailTheRequestAndTheDeviceStaysUp() throws Exception {
        Servers.nbdkit(peers, port, "--filter=error", "memory", "16M", "error=ENOSPC", "error-pwrite-rate=100%");
        try (RemoteDevice dev = engine.open(Engine.options("nbd://127.0.0.1:" + port + "/").withConnections(2))) {
            ByteBuf data = Unpooled.buffer(4096).writeZero(4096);
            NbdException e = assertThrows(NbdException.class, () -> SyncLayer.await(dev.write(0, data, 0)));
            data.release();
            assertEquals(NbdError.ENOSPC, e.error(), e.getMessage());
            SyncLayer.await(dev.read(0, 4096, 0, ByteBufAllocator.DEFAULT)).release();
            engine.board.await("test-device", s -> s.state() == Status.State.UP, Duration.ofSeconds(10));
            assertEquals(0L, ((Number) dev.status().attributes().get("connectionsLost")).longValue());
        }
    }
}
