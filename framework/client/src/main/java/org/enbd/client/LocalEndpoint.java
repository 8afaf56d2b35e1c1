package org.enbd.client;

import java.io.IOException;
import java.net.SocketAddress;
import java.util.List;
import java.util.Locale;
import org.enbd.api.NbdException;
import org.enbd.api.layer.Export;
import org.enbd.api.stream.Listener;
import org.enbd.api.stream.StreamAddress;
import org.enbd.api.stream.Transport;
import org.enbd.server.ExportDirectory;
import org.enbd.server.LayeredExport;
import org.enbd.server.NbdServer;
import org.enbd.server.ServerLimits;

/**
 * A {@link RemoteDevice} served again locally by ENBD-J's own server, so that any NBD client (qemu-img, nbdcopy,
 * nbd-client) gets the device's resilience: its stack ({@link DeviceStack}: the device under the features the
 * endpoint names) is offered under the remote export's name and as the default export. Plain Java; the
 * {@code org.enbd.client.endpoint} component wraps it.
 */
public final class LocalEndpoint implements AutoCloseable {
    private final List<Export> exports;
    private final NbdServer server;
    private final Listener listener;
    /** The stack this endpoint built for itself (no features), or null when the caller gave one. */
    private final LayeredExport ownStack;

    private LocalEndpoint(List<Export> exports, NbdServer server, Listener listener, LayeredExport ownStack) {
        this.exports = exports;
        this.server = server;
        this.listener = listener;
        this.ownStack = ownStack;
    }

    /** The exports the endpoint serves for {@code stack}: its name, and "" (the default) when that differs. */
    public static List<Export> exportsOf(Export stack) {
        String name = stack.context().exportName();
        return name.isEmpty() ? List.of(stack) : List.of(stack, ExportAlias.of("", stack));
    }

    /**
     * Serves {@code device} alone (no features) at {@code serveAt} through {@code transport}. The device stays
     * the caller's: closing the endpoint does not close it.
     *
     * @throws IOException naming the address when it cannot be bound
     */
    public static LocalEndpoint start(RemoteDevice device, Transport transport, StreamAddress serveAt)
            throws IOException {
        LayeredExport stack;
        try {
            stack = DeviceStack.open(device, List.of());
        } catch (NbdException e) {
            throw new IllegalStateException("a stack without features cannot fail to attach", e);
        }
        return start(device, stack, transport, serveAt, stack);
    }

    /**
     * Serves {@code stack} (built over {@code device} by {@link DeviceStack#open}) at {@code serveAt} through
     * {@code transport}. The stack and the device stay the caller's: closing the endpoint closes neither.
     *
     * @throws IOException naming the address when it cannot be bound
     */
    public static LocalEndpoint start(RemoteDevice device, Export stack, Transport transport,
                                      StreamAddress serveAt) throws IOException {
        return start(device, stack, transport, serveAt, null);
    }

    private static LocalEndpoint start(RemoteDevice device, Export stack, Transport transport,
                                       StreamAddress serveAt, LayeredExport own) throws IOException {
        List<Export> exports = exportsOf(stack);
        int payload = Math.max(device.capabilities().blockSizes().maximum(), 1 << 20);
        NbdServer server = new NbdServer(ExportDirectory.of(exports), ServerLimits.DEFAULT.withMaxPayload(payload));
        try {
            return new LocalEndpoint(exports, server, server.listen(transport, serveAt), own);
        } catch (IOException | RuntimeException e) {
            server.close();
            if (own != null) {
                own.close();
            }
            throw e;
        }
    }

    /**
     * Parses a serve address as the CLI gives it: a URI ({@code nbd://127.0.0.1:10809},
     * {@code nbd+unix:///?socket=/run/x.sock}), {@code unix:PATH}, or {@code HOST:PORT}.
     */
    public static StreamAddress parseServe(String text) {
        String t = text.trim();
        if (t.contains("://")) {
            return StreamAddress.parse(t);
        }
        if (t.toLowerCase(Locale.ROOT).startsWith("unix:")) {
            return StreamAddress.unix(t.substring(5), "");
        }
        int colon = t.lastIndexOf(':');
        if (colon <= 0 || colon == t.length() - 1) {
            throw new IllegalArgumentException("serve address must be unix:PATH, HOST:PORT or an NBD URI: " + text);
        }
        String host = t.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return StreamAddress.tcp(host, Integer.parseInt(t.substring(colon + 1)), "");
    }

    /** The exports served (the remote name, then "" when that differs). */
    public List<Export> exports() {
        return exports;
    }

    /** Where it listens (the real port when 0 was asked for). */
    public SocketAddress localAddress() {
        return listener.localAddress();
    }

    /** Local connections being served. */
    public int connections() {
        return server.connections();
    }

    /** Stops listening and drains the local connections; the device (and a stack the caller gave) stay open. */
    @Override
    public void close() {
        listener.close();
        server.close();
        if (ownStack != null) {
            ownStack.close();
        }
    }
}
