package org.enbd.itest.hostile;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.enbd.api.layer.ExportContext;
import org.enbd.api.stream.Listener;
import org.enbd.api.stream.StreamAddress;
import org.enbd.backend.file.internal.FileBackendFactory;
import org.enbd.backend.memory.internal.MemoryBackendFactory;
import org.enbd.runtime.internal.NettyEventLoops;
import org.enbd.server.ExportDirectory;
import org.enbd.server.ExportEventHub;
import org.enbd.server.LayeredExport;
import org.enbd.server.NbdServer;
import org.enbd.server.ServerLimits;
import org.enbd.transport.tcp.internal.TcpTransport;

/**
 * The server under attack, as its own JVM (started by {@link ServerProcess} with ./enbd's JVM options): exports
 * {@code ""} (memory, 64 MiB) and {@code disk} (the file given), the default limits but for the ones passed as
 * {@code maxOptions connectionBudget serverBudget}. Prints {@code port N}, then on each line read from stdin one
 * line {@code direct BYTES} (direct memory, as Netty and the JDK count it), so a test can ask what the
 * server holds off-heap without trusting anything inside it but the counters.
 */
public final class ServerMain {
    private ServerMain() {
    }

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        ServerLimits limits = ServerLimits.DEFAULT.withMaxOptions(Integer.parseInt(args[1]))
                .withBudgets(Long.parseLong(args[2]), Long.parseLong(args[3]))
                .withHandshakeTimeout(Duration.ofSeconds(60));
        NettyEventLoops loops = new NettyEventLoops(2);
        ExportEventHub memoryEvents = new ExportEventHub("");
        ExportEventHub diskEvents = new ExportEventHub("disk");
        ExportContext memory = new ExportContext("", false, Map.of());
        ExportContext disk = new ExportContext("disk", false, Map.of());
        List<LayeredExport> exports = List.of(
                new LayeredExport(memory, "memory", new MemoryBackendFactory().open("64M", memory, memoryEvents),
                        List.of(), memoryEvents),
                new LayeredExport(disk, "file", new FileBackendFactory().open(file.toString(), disk, diskEvents),
                        List.of(), diskEvents));
        NbdServer server = new NbdServer(ExportDirectory.of(exports), limits);
        Listener tcp = server.listen(new TcpTransport(loops), StreamAddress.tcp("127.0.0.1", 0, ""));
        System.out.println("port " + ((InetSocketAddress) tcp.localAddress()).getPort());
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        while (in.readLine() != null) {
            System.out.println("direct " + direct() + " held " + server.budget().used());
            System.out.flush();
        }
        server.close(Duration.ofSeconds(2));
        loops.close();
    }

    private static long direct() {
        long jdk = 0;
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                jdk = pool.getMemoryUsed();
            }
        }
        // Netty counts the direct buffers it allocates, which on this JDK are the JDK's own direct buffers: the same
        // bytes in both counters, so the larger of the two, never their sum
        return Math.max(io.netty.util.internal.PlatformDependent.usedDirectMemory(), jdk);
    }
}
