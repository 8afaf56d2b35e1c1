package org.enbd.itest.kernel;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.layer.BackendFactory;
import org.enbd.api.layer.ExportContext;
import org.enbd.api.layer.Layer;
import org.enbd.api.stream.Listener;
import org.enbd.api.stream.StreamAddress;
import org.enbd.api.stream.Transport;
import org.enbd.backend.file.internal.FileBackendFactory;
import org.enbd.backend.memory.internal.MemoryBackendFactory;
import org.enbd.client.ClientOptions;
import org.enbd.client.DeviceStack;
import org.enbd.client.RemoteDevice;
import org.enbd.kernel.AttachMethod;
import org.enbd.kernel.DeviceOptions;
import org.enbd.kernel.DeviceTable;
import org.enbd.kernel.KernelDevice;
import org.enbd.kernel.KernelTimeout;
import org.enbd.runtime.internal.NettyEventLoops;
import org.enbd.server.ExportDirectory;
import org.enbd.server.ExportEventHub;
import org.enbd.server.LayeredExport;
import org.enbd.server.NbdServer;
import org.enbd.server.ServerLimits;
import org.enbd.transport.tcp.internal.TcpTransport;

/**
 * The engines as the distribution wires them, in plain Java, for the kernel test's guest (one JVM per role, as
 * {@code enbd server} and {@code enbd client --device} would be):
 * <pre>
 *   GuestNode server PORT (file:PATH | memory:SIZE)
 *   GuestNode client URI DEVICE CONNECTIONS
 *   GuestNode list
 *   GuestNode train      (on the host: exercises the same classes to record an AOT cache for the guest)
 * </pre>
 * Each prints one line when ready and runs until SIGTERM, when it shuts down cleanly (the client detaches the
 * device first).
 */
public final class GuestNode {
    private GuestNode() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "server" -> server(Integer.parseInt(args[1]), args[2]);
            case "client" -> client(args[1], args[2], Integer.parseInt(args[3]));
            case "list" -> System.out.print(new DeviceTable().render());
            case "train" -> GuestTraining.run();
            default -> throw new IllegalArgumentException("usage: GuestNode server|client|list ...");
        }
    }

    private static void server(int port, String spec) throws Exception {
        NettyEventLoops loops = new NettyEventLoops(2);
        int colon = spec.indexOf(':');
        BackendFactory factory = spec.startsWith("file:") ? new FileBackendFactory() : new MemoryBackendFactory();
        // the backend publishes to the export's hub (a file grown on disk: its size watch), and the server pushes
        // what it hears to its ENBD-J clients
        ExportContext context = new ExportContext("", false, Map.of());
        ExportEventHub events = new ExportEventHub("default export");
        Layer backend = factory.open(spec.substring(colon + 1), context, events);
        LayeredExport export = new LayeredExport(context, spec, backend, List.of(), events);
        NbdServer server = new NbdServer(ExportDirectory.of(export), ServerLimits.DEFAULT);
        Listener listener = server.listen(new TcpTransport(loops), StreamAddress.parse("nbd://127.0.0.1:" + port));
        System.out.println("enbd: listening on " + listener.localAddress());
        runUntilTerminated(() -> {
            listener.close();
            server.close();
            export.close();
            loops.close();
        });
    }

    private static void client(String uri, String device, int connections) throws Exception {
        NettyEventLoops loops = new NettyEventLoops(2);
        Transport tcp = new TcpTransport(loops);
        // a dead time well past the server's restart under emulation on a loaded machine (it took 51 s once)
        ClientOptions options = ClientOptions.of(uri).withConnections(connections)
                .withDeadTime(java.time.Duration.ofSeconds(180));
        RemoteDevice remote = connect(options, tcp, loops);
        LayeredExport stack = DeviceStack.open(remote, List.of());
        KernelDevice kernel = KernelDevice.attach(new DeviceOptions(device, remote.connections(),
                KernelTimeout.seconds(options.deadTime(), options.stallTimeout()), 0,
                options.uri().toString(), AttachMethod.AUTO), stack, loops);
        System.out.println("enbd: " + device + " attached to " + uri + " through " + kernel.method() + ", "
                + kernel.sizeBytes() + " bytes, " + remote.connections() + " connections");
        runUntilTerminated(() -> {
            kernel.close();
            stack.close();
            remote.close();
            loops.close();
            System.out.println("enbd: " + device + " detached");
        });
    }

    /** Retries while the server cannot be reached (it may still be starting), as the device component does. */
    private static RemoteDevice connect(ClientOptions options, Transport tcp, NettyEventLoops loops)
            throws NbdException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (true) {
            try {
                return RemoteDevice.open(options, scheme -> Optional.of(tcp), loops, null, "guest");
            } catch (NbdException e) {
                if (e.error() != NbdError.EIO || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(200);
            }
        }
    }

    private static void runUntilTerminated(Runnable shutdown) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            shutdown.run();
            done.countDown();
        }));
        Thread.currentThread().join(); // until SIGTERM runs the hook
    }

    /** The repo's root for tests. */
    static Path repo() {
        return Path.of(System.getProperty("enbd.repo", "../.."));
    }
}
