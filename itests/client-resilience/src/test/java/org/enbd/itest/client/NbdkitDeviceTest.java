package org.enbd.itest.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.enbd.api.NbdException;
import org.enbd.api.control.Status;
import org.enbd.api.layer.ExtentSink;
import org.enbd.api.layer.SyncLayer;
import org.enbd.client.RemoteDevice;
import org.enbd.protocol.TransmissionFlags;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The device against nbdkit's memory plugin: every command, the handshake's results, fatal refusals. */
class NbdkitDeviceTest {
    private Peers peers;
    private Engine engine;
    private int port;

    @BeforeEach
    void start() throws Exception {
        Peers.require("nbdkit");
        peers = new Peers();
        engine = new Engine();
        port = Peers.freePort();
        peers.start("nbdkit", "nbdkit", "--exit-with-parent", "-f", "-i", "127.0.0.1", "-p", String.valueOf(port),
                "-e", "disk", "memory", "64M");
        Peers.awaitPort(port, Duration.ofSeconds(10));
    }

    @AfterEach
    void stop() throws Exception {
        if (engine != null) {
            engine.close();
        }
        if (peers != null) {
            peers.close();
        }
    }

    @Test
    void negotiatesSizeFlagsAndMultiConnAndDoesEveryCommand() throws Exception {
        try (RemoteDevice dev = engine.open(Engine.options("nbd://127.0.0.1:" + port + "/disk"))) {
            assertEquals(64L << 20, dev.size());
            assertTrue(TransmissionFlags.has(dev.transmissionFlags(), TransmissionFlags.CAN_MULTI_CONN));
            assertEquals(4, dev.connections(), "auto: 4 with CAN_MULTI_CONN");
            assertTrue(dev.capabilities().writable() && dev.capabilities().flush() && dev.capabilities().trim());

            ByteBuf data = Unpooled.buffer(65536);
            for (int i = 0; i < 65536; i++) {
                data.writeByte(i * 7);
            }
            SyncLayer.await(dev.write(1 << 20, data, 0));
            ByteBuf back = SyncLayer.await(dev.read(1 << 20, 65536, 0, ByteBufAllocator.DEFAULT));
            assertEquals(data, back);
            back.release();
            data.release();
            SyncLayer.await(dev.flush(0));
            SyncLayer.await(dev.zero(1 << 20, 4096, 0));
            ByteBuf zeros = SyncLayer.await(dev.read(1 << 20, 4096, 0, ByteBufAllocator.DEFAULT));
            assertEquals(4096, zeros.readableBytes());
            for (int i = 0; i < 4096; i++) {
                assertEquals(0, zeros.getByte(i));
            }
            zeros.release();
            SyncLayer.await(dev.trim(32 << 20, 1 << 20, 0));

            List<long[]> extents = new ArrayList<>();
            SyncLayer.await(dev.extents(0, 4 << 20, 0, (len, flags) -> extents.add(new long[] {len, flags})));
            long total = extents.stream().mapToLong(e -> e[0]).sum();
            assertEquals(4 << 20, total);
            assertTrue(extents.stream().anyMatch(e -> (e[1] & ExtentSink.HOLE) != 0), "unwritten memory is a hole");
            assertTrue(extents.stream().anyMatch(e -> (e[1] & ExtentSink.HOLE) == 0), "written data is not");

            engine.board.await("test-device", s -> s.state() == Status.State.UP, Duration.ofSeconds(10));
        }
        assertEquals(Status.State.STOPPED, engine.board.get("test-device").orElseThrow().state());
    }

    @Test
    void unknownExportFailsAtOnceWithTheReason() throws Exception {
        int strict = Peers.freePort();
        peers.start("nbdkit-strict", "nbdkit", "--exit-with-parent", "-f", "-i", "127.0.0.1", "-p",
                String.valueOf(strict), "--filter=exportname", "memory", "1M", "exportname=disk",
                "exportname-strict=true");
        Peers.awaitPort(strict, Duration.ofSeconds(10));
        long start = System.nanoTime();
        NbdException e = assertThrows(NbdException.class,
                () -> engine.open(Engine.options("nbd://127.0.0.1:" + strict + "/nosuch")));
        assertTrue(e.getMessage().contains("nosuch") && e.getMessage().contains("ERR_UNKNOWN"), e.getMessage());
        assertTrue(System.nanoTime() - start < Duration.ofSeconds(5).toNanos(), "no retrying");
    }

    @Test
    void serverRequiringTlsFailsAtOnceWithTheReason() throws Exception {
        int tls = Peers.freePort();
        java.nio.file.Path psk = peers.dir.resolve("keys.psk");
        java.nio.file.Files.writeString(psk, "alice:000102030405060708090a0b0c0d0e0f\n");
        peers.start("nbdkit-tls", "nbdkit", "--exit-with-parent", "-f", "-i", "127.0.0.1", "-p", String.valueOf(tls),
                "--tls=require", "--tls-psk=" + psk, "memory", "1M");
        Peers.awaitPort(tls, Duration.ofSeconds(10));
        long start = System.nanoTime();
        NbdException e = assertThrows(NbdException.class,
                () -> engine.open(Engine.options("nbd://127.0.0.1:" + tls + "/")));
        assertTrue(e.getMessage().contains("TLS"), e.getMessage());
        assertTrue(System.nanoTime() - start < Duration.ofSeconds(5).toNanos(), "no retrying");
        assertEquals(Status.State.FAILED, engine.board.get("test-device").orElseThrow().state());
    }

    @Test
    void connectionRefusedFailsOpenClearly() throws Exception {
        int nothing = Peers.freePort();
        NbdException e = assertThrows(NbdException.class,
                () -> engine.open(Engine.options("nbd://127.0.0.1:" + nothing + "/")));
        assertTrue(e.getMessage().contains("127.0.0.1:" + nothing), e.getMessage());
        assertFalse(engine.board.get("test-device").isEmpty());
    }
}
