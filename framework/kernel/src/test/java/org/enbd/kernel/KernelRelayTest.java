package org.enbd.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.enbd.api.NbdException;
import org.enbd.api.layer.Layer;
import org.enbd.api.layer.SessionContext;
import org.enbd.kernel.sys.Libc;
import org.enbd.runtime.internal.NettyEventLoops;
import org.enbd.server.LayeredExport;
import org.enbd.server.ServerLimits;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The relay on this host, with the test playing the kernel: it writes transmission requests into the kernel's
 * end of a socketpair, exactly as the nbd driver would, and reads the replies.
 */
class KernelRelayTest {
    private static final int REQUEST_MAGIC = 0x25609513;
    private static final int REPLY_MAGIC = 0x67446698;

    private final NettyEventLoops loops = new NettyEventLoops(1);

    @AfterEach
    void stopLoops() {
        loops.close();
    }

    private static void send(int fd, ByteBuffer bytes) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(bytes.remaining());
            out.asByteBuffer().put(bytes);
            long done = 0;
            while (done < out.byteSize()) {
                done += Libc.send(fd, out.asSlice(done), "send to relay");
            }
        }
    }

    private static ByteBuffer receive(int fd, int n) throws IOException {
        ByteBuffer in = ByteBuffer.allocate(n);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(n);
            while (in.hasRemaining()) {
                long got = Libc.recv(fd, buf.asSlice(0, in.remaining()), "receive from relay");
                if (got == 0) {
                    throw new IOException("relay closed after " + in.position() + " bytes");
                }
                in.put(buf.asSlice(0, got).asByteBuffer());
            }
        }
        return in.flip();
    }

    private static ByteBuffer request(int type, long cookie, long offset, int length, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(28 + (payload == null ? 0 : payload.length));
        b.putInt(REQUEST_MAGIC).putShort((short) 0).putShort((short) type).putLong(cookie).putLong(offset).putInt(length);
        if (payload != null) {
            b.put(payload);
        }
        return b.flip();
    }

    /** One layer per relay socket, each opened from one export over {@code layer}, as a kernel device does. */
    private static List<Layer> perConnection(MemoryLayer layer, int connections) throws NbdException {
        LayeredExport export = LayeredExport.of("", layer, false);
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            layers.add(export.open(SessionContext.plain(export.context(), "kernel#" + i)));
        }
        return layers;
    }

    private static KernelTransmission transmission(MemoryLayer layer) {
        return new KernelTransmission(layer.capabilities(), layer.size(), ServerLimits.DEFAULT);
    }

    @Test
    void requestsWrittenOnTheKernelEndAreServedFromTheLayerOnEveryConnection() throws Exception {
        MemoryLayer layer = new MemoryLayer(1 << 20);
        try (KernelRelay relay = KernelRelay.open(loops, perConnection(layer, 2), transmission(layer))) {
            int[] kernel = relay.kernelSockets();
            assertEquals(2, kernel.length);
            for (int fd : kernel) {
                Libc.setReceiveTimeout(fd, 10);
            }
            byte[] data = new byte[8192];
            for (int i = 0; i < data.length; i++) {
                data[i] = (byte) (i * 7);
            }
            send(kernel[0], request(1, 0x11, 4096, data.length, data)); // WRITE on connection 0
            ByteBuffer ack = receive(kernel[0], 16);
            assertEquals(REPLY_MAGIC, ack.getInt());
            assertEquals(0, ack.getInt(), "no error");
            assertEquals(0x11, ack.getLong());

            send(kernel[1], request(0, 0x22, 4096, data.length, null)); // READ on connection 1
            ByteBuffer reply = receive(kernel[1], 16 + data.length);
            assertEquals(REPLY_MAGIC, reply.getInt());
            assertEquals(0, reply.getInt());
            assertEquals(0x22, reply.getLong());
            byte[] back = new byte[data.length];
            reply.get(back);
            assertArrayEquals(data, back);
        }
    }

    @Test
    void afterAResizeTheRelayServesTheKernelUpToTheNewSize() throws Exception {
        MemoryLayer layer = new MemoryLayer(8192);
        KernelTransmission small = new KernelTransmission(layer.capabilities(), 4096, ServerLimits.DEFAULT);
        try (KernelRelay relay = KernelRelay.open(loops, perConnection(layer, 1), small)) {
            int fd = relay.kernelSockets()[0];
            Libc.setReceiveTimeout(fd, 10);
            send(fd, request(0, 0x31, 4096, 512, null));
            ByteBuffer refused = receive(fd, 16);
            refused.getInt();
            assertEquals(22, refused.getInt(), "beyond the size the kernel was given: EINVAL");
            relay.resize(8192); // the export grew (NBD_CMD_RECONFIGURE tells the kernel the same)
            send(fd, request(0, 0x32, 4096, 512, null));
            ByteBuffer served = receive(fd, 16 + 512);
            served.getInt();
            assertEquals(0, served.getInt());
            assertEquals(0x32, served.getLong());
        }
    }

    @Test
    void whenTheKernelLetsGoEveryRelayChannelCloses() throws Exception {
        MemoryLayer layer = new MemoryLayer(4096);
        KernelRelay relay = KernelRelay.open(loops, perConnection(layer, 3), transmission(layer));
        assertEquals(3, relay.openChannels());
        relay.releaseKernelSockets(); // as after NBD_CMD_CONNECT: the kernel's references are the only ones left
        relay.allClosed().get(10, TimeUnit.SECONDS);
        assertEquals(0, relay.openChannels());
        relay.close();
    }

    @Test
    void aDeviceNeedsAConnection() {
        assertThrows(IllegalArgumentException.class,
                () -> KernelRelay.open(loops, List.of(), transmission(new MemoryLayer(4096))));
    }
}
