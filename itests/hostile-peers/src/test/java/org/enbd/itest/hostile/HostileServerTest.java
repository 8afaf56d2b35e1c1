package org.enbd.itest.hostile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.time.Duration;
import java.util.Optional;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.layer.SyncLayer;
import org.enbd.client.ClientOptions;
import org.enbd.client.RemoteDevice;
import org.enbd.runtime.internal.MemoryStatusBoard;
import org.enbd.runtime.internal.NettyEventLoops;
import org.enbd.transport.tcp.internal.TcpTransport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A hostile server against ENBD-J's client: each case breaks the protocol one way, checks the client hands its
 * caller nothing it cannot vouch for (EIO, never wrong data), holds bounded memory and does not storm the server,
 * and then, with the server behaving again, that the same device serves correct data.
 */
class HostileServerTest {
    private final NettyEventLoops loops = new NettyEventLoops(2);
    private final TcpTransport tcp = new TcpTransport(loops);
    private HostileServer server;
    private RemoteDevice device;

    @BeforeEach
    void open() throws Exception {
        server = new HostileServer();
        ClientOptions options = ClientOptions.of(server.uri()).withConnections(2)
                .withStallTimeout(Duration.ofSeconds(2)).withDeadTime(Duration.ofSeconds(30))
                .withReconnect(Duration.ofMillis(50), Duration.ofSeconds(1));
        device = RemoteDevice.open(options, scheme -> Optional.of(tcp), loops, new MemoryStatusBoard(), "hostile");
    }

    @AfterEach
    void close() throws Exception {
        device.close();
        server.close();
        loops.close();
    }

    private ByteBuf read(long offset, int length) throws NbdException {
        return SyncLayer.await(device.read(offset, length, 0, ByteBufAllocator.DEFAULT));
    }

    private static void assertEio(NbdException e) {
        assertEquals(NbdError.EIO, e.error(), e.getMessage());
    }

    /** Afterwards: the server behaves again, and the device reads exactly what it serves. */
    private void servesAGoodServer() throws NbdException {
        server.mode = HostileServer.Mode.GOOD;
        long offset = 3 * 65536 + 17;
        ByteBuf data = read(offset, 65536);
        try {
            byte[] got = new byte[65536];
            data.getBytes(data.readerIndex(), got);
            byte[] expected = new byte[65536];
            for (int i = 0; i < expected.length; i++) {
                expected[i] = HostileServer.pattern(offset + i);
            }
            assertArrayEquals(expected, got, "data intact through the device");
        } finally {
            data.release();
        }
    }

    /** Issue 19, failure 3: before, a 64 KiB READ succeeded with its second half zeros. */
    @Test
    void overlappingChunksFailTheReadInsteadOfReturningZeros() throws Exception {
        server.mode = HostileServer.Mode.OVERLAP;
        assertEio(assertThrows(NbdException.class, () -> read(0, 65536).release()));
        servesAGoodServer();
    }

    /** Issue 19, failure 4: before, block status chunks piled up until the heap was gone. */
    @Test
    void aBlockStatusReplyThatNeverEndsIsCutOff() throws Exception {
        server.mode = HostileServer.Mode.ENDLESS_STATUS;
        long before = heapUsed();
        assertEio(assertThrows(NbdException.class, () -> SyncLayer.await(device.extents(0, 1 << 20, 0,
                (length, flags) -> true))));
        long grown = heapUsed() - before;
        System.out.printf("endless block status: the client hung up after %d chunks (32 KiB each); heap %+d MiB%n",
                server.endlessChunks.get(), grown >> 20);
        assertTrue(grown < 32L << 20, "the client's heap grew by " + (grown >> 20) + " MiB");
        servesAGoodServer();
    }

    /** Issue 19, failure 5: before, a READ waited for ever while the client opened about 500 connections a second. */
    @Test
    void garbageOnEveryConnectionFailsTheRequestAndBacksOff() throws Exception {
        server.mode = HostileServer.Mode.GARBAGE;
        int before = server.accepted.get();
        long start = System.nanoTime();
        assertEio(assertThrows(NbdException.class, () -> read(0, 4096).release()));
        long took = (System.nanoTime() - start) / 1_000_000;
        Thread.sleep(3000); // bounded: how many connections the client opens meanwhile
        int opened = server.accepted.get() - before;
        System.out.printf("garbage replies: READ failed after %d ms; %d connections in all, over %d ms%n", took,
                opened, took + 3000);
        assertTrue(opened <= 20, opened + " connections in " + (took + 3000) + " ms: a reconnect storm");
        servesAGoodServer();
    }

    @Test
    void aChunkDeclaringFourGibibytesIsAViolation() throws Exception {
        server.mode = HostileServer.Mode.HUGE_CHUNK;
        assertEio(assertThrows(NbdException.class, () -> read(0, 4096).release()));
        servesAGoodServer();
    }

    @Test
    void emptyHolesThatNeverEndAreAViolationNotProgress() throws Exception {
        server.mode = HostileServer.Mode.EMPTY_HOLES;
        assertEio(assertThrows(NbdException.class, () -> read(0, 4096).release()));
        servesAGoodServer();
    }

    private static long heapUsed() {
        System.gc();
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }
}
