package org.enbd.server.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Map;
import org.enbd.api.control.Status;
import org.enbd.api.control.StatusBoard;
import org.enbd.api.layer.Export;
import org.enbd.api.stream.Listener;
import org.enbd.api.stream.StreamAddress;
import org.enbd.api.stream.StreamSecurity;
import org.enbd.api.stream.Transport;
import org.enbd.api.stream.TransportRegistry;
import org.enbd.server.NbdServer;
import org.enbd.server.ServerLimits;
import org.enbd.server.TlsPolicy;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/**
 * One configured listener: an {@link NbdServer} serving the {@link Export} services its {@code exports.target}
 * filter selects, on the address it is given, through the {@link Transport} the framework's one
 * {@link TransportRegistry} chooses for that address. When the registry's choice changes (the transport in use went
 * away, or another was configured) the listener closes and listens again through the new choice, or waits for
 * one. It reports UP "listening on HOST:PORT" or FAILED with the reason under its PID.
 */
@Component(configurationPid = "org.enbd.server.listener", configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = {})
@Designate(ocd = ListenerComponent.Config.class, factory = true)
public final class ListenerComponent {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ListenerComponent.class);
    /** A listener's configuration ({@code exports.target} is the exports reference's target filter). */
    @ObjectClassDefinition(name = "ENBD listener", description = "Where the NBD server accepts clients")
    public @interface Config {
        @AttributeDefinition(name = "Address", description = "nbd://HOST[:PORT] or nbd+unix:///?socket=PATH, or a "
                + "URI of any scheme a transport serves")
        String address();

        @AttributeDefinition(name = "Largest payload", description = "Largest READ/WRITE payload in bytes")
        int maxPayload() default 64 << 20;

        @AttributeDefinition(name = "Requests in flight", description = "Requests one connection may have in flight")
        int maxInFlight() default 128;

        @AttributeDefinition(name = "TLS",
                description = "STARTTLS policy: off, on (optional) or require (required); on and "
                + "require wait for a TLS provider (transport-ssl)", options = {
                    @Option(label = "off", value = "off"), @Option(label = "on (optional)", value = "on"),
                    @Option(label = "require", value = "require")})
        String tls() default "off";

        @AttributeDefinition(name = "Handshake timeout (s)",
                description = "Seconds a client may take to finish the handshake before it is closed")
        int handshakeTimeoutS() default 30;

        @AttributeDefinition(name = "Options per handshake",
                description = "Options a client may send in one handshake; the next one closes it")
        int maxOptions() default 256;

        @AttributeDefinition(name = "Connection budget (bytes)",
                description = "Bytes one connection may make the server hold (payloads received and "
                + "replies not yet sent); at least maxPayload")
        long connectionBudget() default 64L << 20;

        @AttributeDefinition(name = "Listener budget (bytes)",
                description = "Bytes all connections of this listener may make the server hold "
                + "together; at least connectionBudget")
        long serverBudget() default 512L << 20;
    }

    private final StatusBoard status;
    private final String id;
    private final TransportRegistry transports;
    private final TransportRegistry.Subscription watching;
    private final LiveExports exports = new LiveExports();
    private final StreamSecurity security;
    private StreamAddress address;
    private NbdServer server;
    private Transport inUse;
    private Listener listener;
    private boolean active;

    @Activate
    public ListenerComponent(@Reference StatusBoard status, @Reference TransportRegistry transports,
                             @Reference(cardinality = ReferenceCardinality.OPTIONAL,
                                     policyOption = ReferencePolicyOption.GREEDY) StreamSecurity security,
                             Config config, Map<String, Object> properties) {
        this.status = status;
        this.transports = transports;
        this.security = security;
        this.id = String.valueOf(properties.getOrDefault("service.pid", "listener:" + config.address()));
        synchronized (this) {
            active = true;
            watching = transports.onChange(this::transportsChanged);
            start(config);
        }
    }

    /** Builds the server of {@code config} and listens as soon as a transport for its scheme is there. */
    private void start(Config config) {
        try {
            TlsPolicy tls = TlsPolicy.parse(config.tls());
            if (security == null && tls != TlsPolicy.OFF) {
                // the TLS component is configured with this listener and may come a moment later (a static
                // greedy reference: this component is activated again with it)
                report(Status.State.STARTING, "waiting for a TLS provider (tls=" + config.tls() + ")");
                return;
            }
            address = StreamAddress.parse(config.address());
            server = new NbdServer(exports, limits(config), tls, security);
        } catch (IllegalArgumentException e) {
            report(Status.State.FAILED, e.getMessage());
            return;
        }
        refresh();
    }

    private static ServerLimits limits(Config config) {
        return ServerLimits.DEFAULT.withMaxPayload(config.maxPayload()).withMaxInFlight(config.maxInFlight())
                .withHandshakeTimeout(java.time.Duration.ofSeconds(config.handshakeTimeoutS()))
                .withMaxOptions(config.maxOptions()).withBudgets(config.connectionBudget(), config.serverBudget());
    }

    /**
     * A changed configuration (the Web Console's Configuration page, an edited {@code etc/} file) is checked and,
     * while this listener serves, bound before the old one lets go: a value that cannot be applied (a bad tls or
     * address, a port in use, no transport for the scheme) leaves the old listener serving, and the status says
     * FAILED with the reason, the new address, and where it still listens. Clients connected to the old address
     * keep their connections until the old server closes them (requests in flight finish).
     */
    @Modified
    synchronized void modified(Config config) {
        if (listener == null) {
            // nothing served yet (waiting for a transport or a TLS provider, or failed): start over with the new
            closeListener();
            if (server != null) {
                server.close();
                server = null;
            }
            address = null;
            start(config);
            return;
        }
        String serving = describe(listener.localAddress());
        StreamAddress next;
        NbdServer nextServer;
        Transport transport;
        try {
            TlsPolicy tls = TlsPolicy.parse(config.tls());
            if (security == null && tls != TlsPolicy.OFF) {
                throw new IllegalArgumentException("tls=" + config.tls() + " needs a TLS provider (transport-ssl), "
                        + "and none is installed");
            }
            next = StreamAddress.parse(config.address());
            transport = transports.forAddress(next).orElseThrow(() -> new IllegalArgumentException(
                    "no transport serves " + next.scheme() + "://"));
            nextServer = new NbdServer(exports, limits(config), tls, security);
        } catch (IllegalArgumentException e) {
            refuse(config, e.getMessage(), serving);
            return;
        }
        Listener bound;
        try {
            bound = nextServer.listen(transport, next);
        } catch (IOException | RuntimeException e) {
            nextServer.close();
            refuse(config, e.getMessage(), serving);
            return;
        }
        NbdServer old = server;
        closeListener();
        server = nextServer;
        listener = bound;
        inUse = transport;
        address = next;
        old.close();
        report(Status.State.UP, "listening on " + describe(bound.localAddress())
                + (serving.equals(describe(bound.localAddress())) ? "" : " (moved from " + serving + ")"));
    }

    private void refuse(Config config, String why, String serving) {
        LOG.warn("{}: the new configuration (address {}, tls {}) is not applied: {}; still listening on {}", id,
                config.address(), config.tls(), why, serving);
        report(Status.State.FAILED, "new configuration not applied (" + config.address() + ", tls=" + config.tls()
                + "): " + why + "; still listening on " + serving);
    }

    /** The registry's choice changed: a listener through a transport no longer chosen closes, then refresh. */
    private synchronized void transportsChanged() {
        if (!active || address == null) {
            return;
        }
        Transport chosen = transports.forAddress(address).orElse(null);
        if (listener != null && chosen != inUse) {
            String name = inUse.name();
            closeListener();
            report(Status.State.DOWN, "transport " + name + " went away");
        }
        refresh();
    }

    /**
     * Named "exports" so that the configuration's {@code exports.target} filters it. By default a listener serves
     * the server's exports and never a client endpoint's device, which the client engine also registers as an
     * Export (under the remote export's name): in a process that runs both, the client's own connections to this
     * listener would otherwise reach its endpoint, a loop that answers nothing (found by FeatureHotSwapTest).
     */
    @Reference(name = "exports", cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = "(!(enbd.client.endpoint=*))")
    void bindExport(Export export) {
        exports.add(export);
    }

    void unbindExport(Export export) {
        exports.remove(export);
    }

    @Deactivate
    synchronized void deactivate() {
        active = false;
        watching.close();
        closeListener();
        if (server != null) {
            server.close();
        }
        status.report(Status.of(id, "listener", Status.State.STOPPED, "listener removed"));
        status.remove(id);
    }

    /** Listens when not listening yet and a transport for the scheme is present. */
    private void refresh() {
        if (!active || server == null || listener != null) {
            return;
        }
        Transport transport = transports.forAddress(address).orElse(null);
        if (transport == null) {
            report(Status.State.STARTING, "waiting for a transport for " + address.scheme() + "://");
            return;
        }
        try {
            listener = server.listen(transport, address);
            inUse = transport;
            report(Status.State.UP, "listening on " + describe(listener.localAddress()));
        } catch (IOException | RuntimeException e) {
            report(Status.State.FAILED, e.getMessage());
        }
    }

    private String describe(SocketAddress bound) {
        if (bound instanceof InetSocketAddress inet) {
            String host = inet.getAddress().getHostAddress();
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + inet.getPort();
        }
        return address.isUnix() ? address.socketPath() : String.valueOf(bound);
    }

    private void closeListener() {
        if (listener != null) {
            listener.close();
            listener = null;
            inUse = null;
        }
    }

    private void report(Status.State state, String detail) {
        status.report(Status.of(id, "listener", state, detail));
    }
}
