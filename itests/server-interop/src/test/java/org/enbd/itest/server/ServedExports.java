package org.enbd.itest.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.enbd.api.NbdException;
import org.enbd.api.layer.BackendFactory;
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
 * An ENBD-J server started in-process the plain-Java way (event loops, TCP transport, backends, NbdServer), on a
 * free TCP port and a Unix socket, for real clients to talk to.
 */
final class ServedExports implements AutoCloseable {
    private final NettyEventLoops loops = new NettyEventLoops(Integer.getInteger("enbd.test.loops", 2));
    private final List<LayeredExport> exports = new ArrayList<>();
    private final NbdServer server;
    private final Listener tcp;
    private final Listener unix;
    private final Path socket;

    /** Each spec is {@code name=type:arg[,ro]}, e.g. {@code disk=memory:64M}. */
    ServedExports(Path dir, ServerLimits limits, String... specs) throws IOException, NbdException {
        this(dir, limits, backendsOnly(specs));
    }

    /** Exports the test built itself (a feature stack); closed with the server. */
    ServedExports(Path dir, ServerLimits limits, List<LayeredExport> built) throws IOException {
        exports.addAll(built);
        server = new NbdServer(ExportDirectory.of(exports), limits);
        TcpTransport transport = new TcpTransport(loops);
        tcp = server.listen(transport, StreamAddress.tcp("127.0.0.1", 0, ""));
        socket = Files.createTempDirectory(dir, "sock").resolve("nbd.sock");
        unix = server.listen(transport, StreamAddress.unix(socket.toString(), ""));
    }

    private static List<LayeredExport> backendsOnly(String... specs) throws NbdException {
        List<LayeredExport> exports = new ArrayList<>();
        for (String spec : specs) {
            String name = spec.substring(0, spec.indexOf('='));
            String backend = spec.substring(spec.indexOf('=') + 1);
            boolean readOnly = backend.endsWith(",ro");
            backend = readOnly ? backend.substring(0, backend.length() - 3) : backend;
            String type = backend.substring(0, backend.indexOf(':'));
            String argument = backend.substring(backend.indexOf(':') + 1);
            BackendFactory factory = switch (type) {
                case "memory" -> new MemoryBackendFactory();
                case "file" -> new FileBackendFactory();
                default -> throw new IllegalArgumentException(type);
            };
            ExportContext context = new ExportContext(name, readOnly, Map.of());
            ExportEventHub events = new ExportEventHub(name);
            exports.add(new LayeredExport(context, "test export " + name, factory.open(argument, context, events),
                    List.of(), events));
        }
        return exports;
    }

    ServedExports(Path dir, String... specs) throws IOException, NbdException {
        this(dir, ServerLimits.DEFAULT, specs);
    }

    int port() {
        return ((InetSocketAddress) tcp.localAddress()).getPort();
    }

    /** {@code nbd://127.0.0.1:PORT/NAME}. */
    String uri(String export) {
        return "nbd://127.0.0.1:" + port() + "/" + export;
    }

    /** {@code nbd+unix:///NAME?socket=PATH}. */
    String unixUri(String export) {
        return "nbd+unix:///" + export + "?socket=" + socket;
    }

    NbdServer server() {
        return server;
    }

    @Override
    public void close() {
        server.close();
        exports.forEach(LayeredExport::close);
        loops.close();
    }
}
