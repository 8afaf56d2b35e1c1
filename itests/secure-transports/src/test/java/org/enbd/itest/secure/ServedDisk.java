package org.enbd.itest.secure;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.enbd.api.NbdException;
import org.enbd.api.layer.ExportContext;
import org.enbd.api.stream.Listener;
import org.enbd.api.stream.StreamAddress;
import org.enbd.api.stream.StreamSecurity;
import org.enbd.backend.memory.internal.MemoryBackendFactory;
import org.enbd.runtime.internal.NettyEventLoops;
import org.enbd.server.ExportDirectory;
import org.enbd.server.ExportEventHub;
import org.enbd.server.LayeredExport;
import org.enbd.server.NbdServer;
import org.enbd.server.ServerLimits;
import org.enbd.server.TlsPolicy;
import org.enbd.transport.tcp.internal.TcpTransport;

/**
 * An ENBD-J server in this JVM, the plain-Java way: one memory export named {@code disk}, on a free TCP port of
 * 127.0.0.1 and on a Unix socket, with a TLS policy and provider when a test gives them.
 */
final class ServedDisk implements AutoCloseable {
    private final NettyEventLoops loops = new NettyEventLoops(2);
    private final LayeredExport export;
    private final NbdServer server;
    private final Listener tcp;
    private final Listener unix;
    final Path socket;

    /** {@code parameters}: the export's, e.g. {@code tls-identity=alice}. */
    ServedDisk(Path dir, long size, TlsPolicy tls, StreamSecurity security, Map<String, String> parameters)
            throws IOException, NbdException {
        this(dir, size, tls, security, parameters, ServerLimits.DEFAULT);
    }

    /** {@code limits}: the server's, e.g. budgets small enough that the request decoder holds. */
    ServedDisk(Path dir, long size, TlsPolicy tls, StreamSecurity security, Map<String, String> parameters,
            ServerLimits limits) throws IOException, NbdException {
        ExportContext context = new ExportContext("disk", false, parameters);
        ExportEventHub events = new ExportEventHub("disk");
        export = new LayeredExport(context, "secure-transports disk",
                new MemoryBackendFactory().open(Long.toString(size), context, events), List.of(), events);
        server = new NbdServer(ExportDirectory.of(List.of(export)), limits, tls, security);
        TcpTransport transport = new TcpTransport(loops);
        tcp = server.listen(transport, StreamAddress.tcp("127.0.0.1", 0, ""));
        socket = dir.resolve("enbd.sock");
        unix = server.listen(transport, StreamAddress.unix(socket.toString(), ""));
    }

    ServedDisk(Path dir, long size) throws IOException, NbdException {
        this(dir, size, TlsPolicy.OFF, null, Map.of());
    }

    int port() {
        return ((InetSocketAddress) tcp.localAddress()).getPort();
    }

    /** {@code nbd://127.0.0.1:PORT/disk}, straight to the server. */
    String uri() {
        return "nbd://127.0.0.1:" + port() + "/disk";
    }

    @Override
    public void close() {
        tcp.close();
        unix.close();
        server.close();
        export.close();
        loops.close();
    }
}
