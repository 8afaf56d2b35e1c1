package org.enbd.itest.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.layer.ExportEvent;
import org.enbd.api.layer.SyncLayer;
import org.enbd.api.stream.StreamAddress;
import org.enbd.client.LocalEndpoint;
import org.enbd.client.RemoteDevice;
import org.enbd.protocol.EnbdExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * ENBD-J's extension channel between real peers: two ENBD-J peers negotiate it and exchange control messages and
 * events; a standard server (nbdkit) leaves the client without it, and nothing else changes.
 */
class EnbdExtensionTest {
    private static final long SIZE = 16 << 20;
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

    private static ByteBuf text(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
    }

    private static ByteBuf ping(RemoteDevice device, String message) throws NbdException {
        ByteBuf data = text(message);
        try {
            return SyncLayer.await(device.control(EnbdExtension.CONTROL_PING, data, ByteBufAllocator.DEFAULT));
        } finally {
            data.release();
        }
    }

    @Test
    void twoEnbdPeersNegotiateTheExtensionAndThePingComesBack() throws Exception {
        try (Servers.Running server = Servers.enbd(engine, port, SIZE);
             RemoteDevice device = engine.open(Engine.options(server.uri()).withConnections(2))) {
            assertTrue(device.enbdExtension());
            assertEquals(true, device.status().attributes().get("enbdExtension"));
            ByteBuf pong = ping(device, "are you ENBD-J?");
            assertEquals("are you ENBD-J?", pong.toString(StandardCharsets.UTF_8));
            pong.release();
            NbdException unclaimed = assertThrows(NbdException.class, () -> SyncLayer.await(device.control(0x0300,
                    Unpooled.EMPTY_BUFFER, ByteBufAllocator.DEFAULT)));
            assertEquals(NbdError.ENOTSUP, unclaimed.error(), "no feature of the export claims the type");
        }
    }

    @Test
    void theServersEventsReachTheClientAndItsSizeFollows() throws Exception {
        try (Servers.Running server = Servers.enbd(engine, port, SIZE);
             RemoteDevice device = engine.open(Engine.options(server.uri()).withConnections(2))) {
            CompletableFuture<ExportEvent> heard = new CompletableFuture<>();
            try (AutoCloseable subscription = device.onEvent(heard::complete)) {
                server.export().eventHub().publish(new ExportEvent.SizeChanged(2 * SIZE));
                assertEquals(new ExportEvent.SizeChanged(2 * SIZE), heard.get(10, TimeUnit.SECONDS));
            }
            assertEquals(2 * SIZE, device.size());
            ByteBuf back = SyncLayer.await(device.read(0, 4096, 0, ByteBufAllocator.DEFAULT));
            back.release(); // the event answered no request and broke nothing
        }
    }

    @Test
    void controlMessagesAndEventsPassThroughALocalEndpoint() throws Exception {
        Path socket = peers.dir.resolve("endpoint.sock");
        try (Servers.Running server = Servers.enbd(engine, port, SIZE);
             RemoteDevice remote = engine.open(Engine.options(server.uri()));
             LocalEndpoint endpoint = LocalEndpoint.start(remote, engine.tcp, StreamAddress.unix(socket.toString(),
                     ""));
             RemoteDevice local = engine.open(Engine.options("nbd+unix:///disk?socket=" + socket))) {
            assertTrue(local.enbdExtension(), "the endpoint is ENBD-J's own server");
            ByteBuf pong = ping(local, "through the endpoint");
            assertEquals("through the endpoint", pong.toString(StandardCharsets.UTF_8));
            pong.release();
            CompletableFuture<ExportEvent> heard = new CompletableFuture<>();
            try (AutoCloseable subscription = local.onEvent(heard::complete)) {
                server.export().eventHub().publish(new ExportEvent.MediumChanged(false, "ejected"));
                assertEquals(new ExportEvent.MediumChanged(false, "ejected"), heard.get(10, TimeUnit.SECONDS),
                        "server -> remote device -> endpoint's stack -> endpoint's client");
            }
        }
    }

    @Test
    void aStandardServerLeavesTheClientWithoutTheExtensionAndIoWorksAsBefore() throws Exception {
        Servers.nbdkit(peers, port, "memory", Long.toString(SIZE));
        try (RemoteDevice device = engine.open(Engine.options("nbd://127.0.0.1:" + port + "/")
                .withConnections(2))) {
            assertFalse(device.enbdExtension());
            NbdException refused = assertThrows(NbdException.class, () -> ping(device, "hello?"));
            assertEquals(NbdError.ENOTSUP, refused.error());
            ByteBuf data = text("standard NBD as before");
            SyncLayer.await(device.write(8192, data, 0));
            SyncLayer.await(device.flush(0));
            ByteBuf back = SyncLayer.await(device.read(8192, data.readableBytes(), 0, ByteBufAllocator.DEFAULT));
            assertEquals(data, back);
            back.release();
            data.release();
            engine.board.await("test-device", s -> s.state() == org.enbd.api.control.Status.State.UP,
                    Duration.ofSeconds(10));
            assertEquals(0L, ((Number) device.status().attributes().get("connectionsLost")).longValue(),
                    "nbdkit's answer to NBD_OPT_ENBD cost no connection");
        }
    }
}
