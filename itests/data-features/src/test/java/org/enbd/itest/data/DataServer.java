package org.enbd.itest.data;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.enbd.api.NbdException;
import org.enbd.api.layer.ExportContext;
import org.enbd.api.layer.Layer;
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
import org.enbd.server.StackEntry;
import org.enbd.transport.tcp.internal.TcpTransport;

/**
 * An ENBD-J server built the plain-Java way (event loops, TCP transport, backends, feature stacks, NbdServer) on a
 * free port of 127.0.0.1, as itests/server-interop's ServedExports builds one. Exports are added before
 * {@link #start()}.
 */
final class DataServer implements AutoCloseable {
    private final NettyEventLoops loops = new NettyEventLoops(2);
    private final List<LayeredExport> exports = new ArrayList<>();
    private NbdServer server;
    private Listener tcp;

    /**
     * Adds an export of {@code backend} ({@code file:PATH} or {@code memory:SIZE}) with {@code features} stacked on
     * it, outermost first, and {@code parameters} for them.
     */
    DataServer export(String name, String backend, Map<String, String> parameters, StackEntry... features)
            throws NbdException {
        ExportContext context = new ExportContext(name, false, parameters);
        ExportEventHub events = new ExportEventHub("export '" + name + "'");
        String argument = backend.substring(backend.indexOf(':') + 1);
        Layer layer = backend.startsWith("file:") ? new FileBackendFactory().open(argument, context, events)
                : new MemoryBackendFactory().open(argument, context, events);
        exports.add(new LayeredExport(context, "", layer, List.of(features), events));
        return this;
    }

    DataServer start() throws IOException {
        server = new NbdServer(ExportDirectory.of(exports), ServerLimits.DEFAULT);
        tcp = server.listen(new TcpTransport(loops), StreamAddress.tcp("127.0.0.1", 0, ""));
        return this;
    }

    /** {@code nbd://127.0.0.1:PORT/NAME}. */
    String uri(String export) {
        return "nbd://127.0.0.1:" + ((InetSocketAddress) tcp.localAddress()).getPort() + "/" + export;
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
        exports.forEach(LayeredExport::close);
        loops.close();
    }
}
