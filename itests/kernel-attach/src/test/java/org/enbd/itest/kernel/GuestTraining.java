package org.enbd.itest.kernel;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.enbd.api.layer.ExportContext;
import org.enbd.api.layer.ExportEvents;
import org.enbd.api.layer.Layer;
import org.enbd.api.layer.SessionContext;
import org.enbd.api.stream.Listener;
import org.enbd.api.stream.StreamAddress;
import org.enbd.backend.file.internal.FileBackendFactory;
import org.enbd.backend.memory.internal.MemoryBackendFactory;
import org.enbd.client.ClientOptions;
import org.enbd.client.DeviceStack;
import org.enbd.client.RemoteDevice;
import org.enbd.kernel.DeviceTable;
import org.enbd.kernel.KernelRelay;
import org.enbd.kernel.KernelTransmission;
import org.enbd.kernel.netlink.NbdNetlink;
import org.enbd.kernel.sys.Libc;
import org.enbd.runtime.internal.NettyEventLoops;
import org.enbd.server.ExportDirectory;
import org.enbd.server.LayeredExport;
import org.enbd.server.NbdServer;
import org.enbd.server.ServerLimits;
import org.enbd.transport.tcp.internal.TcpTransport;

/**
 * The AOT training run (on the host, which has no nbd driver): server, client engine and kernel relay do real
 * work over loopback, with this class playing the kernel on the relay's socketpair, so the cache holds the
 * classes the guest's JVMs load. Its correctness is not the point; the guest test checks behaviour.
 */
final class GuestTraining {
    private GuestTraining() {
    }

    static void run() throws Exception {
        try (NettyEventLoops loops = new NettyEventLoops(2)) {
            TcpTransport tcp = new TcpTransport(loops);
            java.nio.file.Path image = java.nio.file.Files.createTempFile("enbd-train", ".img");
            try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(image.toFile(), "rw")) {
                f.setLength(8 << 20);
            }
            Layer file = new FileBackendFactory().open(image.toString(), new ExportContext("", false, Map.of()),
                    ExportEvents.NONE);
            new MemoryBackendFactory().open("1M", new ExportContext("", false, Map.of()), ExportEvents.NONE).close();
            LayeredExport export = LayeredExport.of("", file, false);
            NbdServer server = new NbdServer(ExportDirectory.of(export), ServerLimits.DEFAULT);
            Listener listener = server.listen(tcp, StreamAddress.parse("nbd://127.0.0.1:0"));
            int port = ((java.net.InetSocketAddress) listener.localAddress()).getPort();
            ClientOptions options = ClientOptions.of("nbd://127.0.0.1:" + port).withConnections(2);
            RemoteDevice remote = RemoteDevice.open(options, scheme -> Optional.of(tcp), loops, null, "train");
            LayeredExport stack = DeviceStack.open(remote, List.of());
            List<Layer> layers = List.of(stack.open(SessionContext.plain(stack.context(), "train#0")),
                    stack.open(SessionContext.plain(stack.context(), "train#1")));
            KernelRelay relay = KernelRelay.open(loops, layers,
                    new KernelTransmission(remote.capabilities(), remote.size(), ServerLimits.DEFAULT));
            for (int round = 0; round < 50; round++) {
                for (int fd : relay.kernelSockets()) {
                    actAsKernel(fd, round);
                }
            }
            try {
                NbdNetlink.open().close();
            } catch (IOException expected) {
                // no nbd driver on the host: the failure path is what gets trained
            }
            new DeviceTable().render();
            relay.close();
            stack.close();
            remote.close();
            listener.close();
            server.close();
            export.close();
            java.nio.file.Files.delete(image);
        }
    }

    /** A WRITE of 64 KiB, a FLUSH and a READ back, as the nbd driver sends them. */
    private static void actAsKernel(int fd, int round) throws IOException {
        int length = 64 << 10;
        long offset = (long) (round % 64) * length;
        try (Arena arena = Arena.ofConfined()) {
            ByteBuffer write = ByteBuffer.allocate(28 + length);
            write.putInt(0x25609513).putShort((short) 0).putShort((short) 1).putLong(1).putLong(offset).putInt(length);
            send(arena, fd, write.array());
            receive(arena, fd, 16);
            ByteBuffer flush = ByteBuffer.allocate(28);
            flush.putInt(0x25609513).putShort((short) 0).putShort((short) 3).putLong(2).putLong(0).putInt(0);
            send(arena, fd, flush.array());
            receive(arena, fd, 16);
            ByteBuffer read = ByteBuffer.allocate(28);
            read.putInt(0x25609513).putShort((short) 0).putShort((short) 0).putLong(3).putLong(offset).putInt(length);
            send(arena, fd, read.array());
            receive(arena, fd, 16 + length);
        }
    }

    private static void send(Arena arena, int fd, byte[] bytes) throws IOException {
        MemorySegment out = arena.allocate(bytes.length);
        MemorySegment.copy(bytes, 0, out, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, bytes.length);
        long done = 0;
        while (done < bytes.length) {
            done += Libc.send(fd, out.asSlice(done), "train send");
        }
    }

    private static void receive(Arena arena, int fd, int n) throws IOException {
        MemorySegment in = arena.allocate(n);
        long done = 0;
        while (done < n) {
            long got = Libc.recv(fd, in.asSlice(done), "train receive");
            if (got == 0) {
                throw new IOException("relay closed");
            }
            done += got;
        }
    }
}
