package org.enbd.client.endpoint.internal;

import java.util.Hashtable;
import java.util.Map;
import java.util.Optional;
import org.enbd.api.NbdException;
import org.enbd.api.control.Status;
import org.enbd.api.control.StatusBoard;
import org.enbd.api.layer.Export;
import org.enbd.api.stream.EventLoops;
import org.enbd.api.stream.StreamAddress;
import org.enbd.api.stream.Transport;
import org.enbd.api.stream.TransportRegistry;
import org.enbd.client.ClientOptions;
import org.enbd.client.LocalEndpoint;
import org.enbd.client.RemoteDevice;
import org.enbd.client.TransportResolver;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local endpoint ({@code enbd client URI --serve ...}): opens the {@link RemoteDevice}, registers an
 * {@link Export} for it and serves it with the server engine over the transport the framework's
 * {@link TransportRegistry} chooses for the serve address (and for the remote URI, on every reconnect).
 * Opening may wait for the network, so it runs on a thread this component owns and joins on deactivate; while the
 * first connection fails for network reasons it retries (state DOWN), and a refusal (policy, TLS, unknown export)
 * ends in FAILED. Reports to the status board under its {@code service.pid}.
 */
@Component(configurationPid = "org.enbd.client.endpoint", configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = {})
@Designate(ocd = EndpointConfig.class, factory = true)
public final class EndpointComponent {
    private static final Logger LOG = LoggerFactory.getLogger(EndpointComponent.class);

    private final TransportRegistry transports;
    private final EventLoops loops;
    private final StatusBoard board;
    private final BundleContext bundle;
    private final String id;
    private final ClientOptions options;
    private final StreamAddress serveAt;
    private final Thread opener;
    private volatile boolean stopping;
    private RemoteDevice device;
    private LocalEndpoint endpoint;
    private ServiceRegistration<Export> registration;
    private final Object statusLock = new Object();
    private EndpointStatus following;
    private Status.State lastState;
    private String lastDetail;

    @Activate
    public EndpointComponent(EndpointConfig config, Map<String, Object> properties, BundleContext bundle,
                             @Reference EventLoops loops, @Reference StatusBoard board,
                             @Reference TransportRegistry transports) {
        this.transports = transports;
        this.loops = loops;
        this.board = board;
        this.bundle = bundle;
        this.id = String.valueOf(properties.getOrDefault(Constants.SERVICE_PID, "org.enbd.client.endpoint"));
        ClientOptions o;
        StreamAddress at;
        try {
            o = ClientOptions.fromConfiguration(config.uri(), config.connections(), config.stallTimeoutMs(),
                    config.deadTimeMs(), config.reconnectMaxMs(), config.queueLimit());
            at = LocalEndpoint.parseServe(config.serve());
        } catch (RuntimeException e) {
            board.report(Status.of(id, "endpoint", Status.State.FAILED, "bad configuration: " + e.getMessage()));
            options = null;
            serveAt = null;
            opener = null;
            return;
        }
        options = o;
        serveAt = at;
        opener = Thread.ofPlatform().name("enbd-endpoint-" + id).daemon().unstarted(this::open);
        board.report(Status.of(id, "endpoint", Status.State.STARTING, "connecting to " + options.uri()));
        opener.start();
    }

    private void open() {
        RemoteDevice opened;
        try {
            opened = RemoteDevice.openRetrying(options, TransportResolver.of(transports), loops, board, id + "/remote",
                    () -> stopping, e -> board.report(Status.of(id, "endpoint", Status.State.DOWN,
                            e.getMessage() + "; retrying")));
        } catch (NbdException e) {
            LOG.error("{}: {}", id, e.getMessage());
            board.report(Status.of(id, "endpoint", Status.State.FAILED, e.getMessage()));
            return;
        }
        if (opened == null) {
            return;
        }
        Optional<Transport> local = transports.forAddress(serveAt);
        try {
            if (local.isEmpty()) {
                throw new java.io.IOException("no transport serves " + serveAt.scheme() + "://");
            }
            LocalEndpoint served = LocalEndpoint.start(opened, local.get(), serveAt);
            Hashtable<String, Object> props = new Hashtable<>();
            props.put(Export.NAME, opened.exportName());
            props.put("enbd.client.endpoint", id);
            ServiceRegistration<Export> reg = bundle.registerService(Export.class, served.exports().getFirst(), props);
            synchronized (this) {
                device = opened;
                endpoint = served;
                registration = reg;
                if (stopping) {
                    return;
                }
            }
            LOG.info("{}: serving {} ({} bytes, {} connections) on {}", id, options.uri(), opened.size(),
                    opened.connections(), served.localAddress());
            synchronized (statusLock) {
                following = new EndpointStatus(id, "serving " + options.uri() + " on " + serveAt.endpoint(),
                        Map.of("uri", options.uri().toString(), "serve", serveAt.toString(), "size", opened.size(),
                                "remoteStatus", id + "/remote"));
            }
            opened.onStatus(this::remoteChanged);
        } catch (java.io.IOException | RuntimeException e) {
            LOG.error("{}: cannot serve on {}: {}", id, serveAt, e.getMessage());
            board.report(Status.of(id, "endpoint", Status.State.FAILED, e.getMessage()));
            opened.close();
        }
    }

    /**
     * The endpoint's own status follows its device's (see {@link EndpointStatus}); reported when it changes. Called
     * on the engine's event loops, so it takes only its own small lock, never the component's monitor (deactivate
     * holds that while the local server drains on those loops).
     */
    private void remoteChanged(Status remote) {
        synchronized (statusLock) {
            Status next = following == null ? null : following.follow(remote);
            if (next == null || stopping || (next.state() == lastState && next.detail().equals(lastDetail))) {
                return;
            }
            lastState = next.state();
            lastDetail = next.detail();
            board.report(next);
        }
    }

    @Deactivate
    void deactivate() {
        stopping = true;
        if (opener != null) {
            opener.interrupt();
            try {
                opener.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (this) {
            if (registration != null) {
                registration.unregister();
            }
            if (endpoint != null) {
                endpoint.close();
            }
            if (device != null) {
                device.close();
            }
        }
        synchronized (statusLock) {
            // after this no follower report can land: remoteChanged checks stopping under the same lock
            board.report(Status.of(id, "endpoint", Status.State.STOPPED, "stopped"));
        }
        board.remove(id + "/remote");
    }
}
