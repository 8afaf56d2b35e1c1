package org.enbd.bench;

import java.util.concurrent.CountDownLatch;
import org.enbd.api.NbdException;
import org.enbd.api.layer.Layer;
import org.enbd.api.stream.StreamAddress;
import org.enbd.backend.file.internal.FileLayer;
import org.enbd.backend.memory.internal.MemoryLayer;
import org.enbd.runtime.internal.NettyEventLoops;
import org.enbd.server.ExportDirectory;
import org.enbd.server.LayeredExport;
import org.enbd.server.NbdServer;
import org.enbd.server.ServerLimits;
import org.enbd.transport.tcp.internal.TcpTransport;

/**
 * ENBD-J's server engine as plain Java, without OSGi or the launcher: the same objects the components build
 * (event loops, TCP transport, NbdServer, a backend), so bench/run can tell the engine's cost from the
 * framework's, and bench/profile can profile the engine alone. Runs until killed.
 *
 * <p>Usage: {@code PlainServer PORT NAME memory:SIZE|FILE} (SIZE like 1G or 256M).
 */
public final class PlainServer {
    private PlainServer() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: PlainServer PORT NAME memory:SIZE|FILE");
            System.exit(2);
        }
        Layer backend = backend(args[2]);
        NettyEventLoops loops = new NettyEventLoops(0);
        NbdServer server = new NbdServer(ExportDirectory.of(LayeredExport.of(args[1], backend, false)),
                ServerLimits.DEFAULT);
        server.listen(new TcpTransport(loops), StreamAddress.tcp("127.0.0.1", Integer.parseInt(args[0]), args[1]));
        System.err.println("PlainServer: " + loops.ioKind() + " event loops, serving " + args[2]);
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            loops.close();
            stop.countDown();
        }));
        stop.await();
    }

    static Layer backend(String spec) throws NbdException {
        if (!spec.startsWith("memory:")) {
            return FileLayer.open(spec, false);
        }
        String size = spec.substring("memory:".length()).toUpperCase(java.util.Locale.ROOT);
        int shift = switch (size.charAt(size.length() - 1)) {
            case 'K' -> 10;
            case 'M' -> 20;
            case 'G' -> 30;
            default -> 0;
        };
        String digits = shift == 0 ? size : size.substring(0, size.length() - 1);
        return new MemoryLayer(Long.parseLong(digits) << shift, false);
    }
}
