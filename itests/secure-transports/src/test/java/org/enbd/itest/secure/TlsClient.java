package org.enbd.itest.secure;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.enbd.api.NbdException;
import org.enbd.api.stream.StreamAddress;
import org.enbd.api.stream.TransportRegistry;
import org.enbd.client.ClientOptions;
import org.enbd.client.LocalEndpoint;
import org.enbd.client.RemoteDevice;
import org.enbd.client.TransportResolver;
import org.enbd.runtime.internal.MemoryStatusBoard;
import org.enbd.runtime.internal.NettyEventLoops;
import org.enbd.transport.ssl.internal.ClientTls;
import org.enbd.transport.tcp.internal.TcpTransport;

/**
 * ENBD-J's client with TLS, the plain-Java way: event loops, the TCP transport for every nbd and nbds scheme, and
 * the ssl bundle's client side ({@link ClientTls}) that loads what an {@code nbds://} URI names. Real tools copy
 * through its local endpoint on a Unix socket.
 */
final class TlsClient implements AutoCloseable {
    final NettyEventLoops loops = new NettyEventLoops(2);
    final MemoryStatusBoard board = new MemoryStatusBoard();
    final TcpTransport tcp = new TcpTransport(loops);
    final ClientTls security = new ClientTls();
    final TransportRegistry registry = TransportRegistry.of(tcp, "nbd", "nbds", "nbd+unix", "nbds+unix");
    /** Network failures {@link #openRetrying} saw and retried. */
    final AtomicInteger retries = new AtomicInteger();
    /** The last network failure {@link #openRetrying} retried, or null. */
    volatile NbdException lastRetried;

    /** Options suited to tests: short stall time, a long dead time (requests wait out a server restart). */
    static ClientOptions options(String uri, int connections) {
        return ClientOptions.of(uri).withConnections(connections).withStallTimeout(Duration.ofSeconds(3))
                .withDeadTime(Duration.ofSeconds(60)).withReconnect(Duration.ofMillis(20), Duration.ofMillis(500));
    }

    RemoteDevice open(String uri, int connections) throws NbdException {
        return RemoteDevice.open(options(uri, connections), TransportResolver.of(registry), security, loops, board,
                "tls-device");
    }

    /**
     * What a component does ({@code RemoteDevice.openRetrying}), giving up after three network failures: a
     * refusal must end it at once, with no retry.
     */
    RemoteDevice openRetrying(String uri) throws NbdException {
        return RemoteDevice.openRetrying(options(uri, 1), TransportResolver.of(registry), security, loops, board,
                "tls-device", () -> retries.get() >= 3, e -> {
                    lastRetried = e;
                    retries.incrementAndGet();
                });
    }

    /**
     * qemu-img writes {@code source} through a local endpoint of the device at {@code uri}; the caller then reads
     * the server back by other means.
     */
    void copyThrough(Peers peers, String uri, int connections, Path source) throws Exception {
        Path socket = peers.dir.resolve("endpoint.sock");
        Files.deleteIfExists(socket);
        try (RemoteDevice device = open(uri, connections);
             LocalEndpoint endpoint = LocalEndpoint.start(device, tcp, StreamAddress.unix(socket.toString(), ""))) {
            assertEquals(Files.size(source), device.size());
            assertEquals(true, device.status().attributes().get("tls"), device.status().toString());
            int rc = peers.run(Duration.ofSeconds(120), "convert", "qemu-img", "convert", "-n", "-W", "-f", "raw",
                    "-O", "raw", source.toString(), "nbd+unix:///?socket=" + socket);
            assertEquals(0, rc, peers.log("convert"));
            assertEquals(connections, device.connections());
        }
    }

    @Override
    public void close() {
        tcp.close();
        loops.close();
    }
}
