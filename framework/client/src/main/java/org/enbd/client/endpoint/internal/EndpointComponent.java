package org.enbd.client.endpoint.internal;

import java.util.Arrays;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.enbd.api.NbdException;
import org.enbd.api.control.DeviceActions;
import org.enbd.api.control.Status;
import org.enbd.api.control.StatusBoard;
import org.enbd.api.layer.Export;
import org.enbd.api.layer.Feature;
import org.enbd.api.stream.ClientSecurity;
import org.enbd.api.stream.EventLoops;
import org.enbd.api.stream.StreamAddress;
import org.enbd.api.stream.Transport;
import org.enbd.api.stream.TransportRegistry;
import org.enbd.client.AwaitedSecurity;
import org.enbd.client.ClientOptions;
import org.enbd.client.ConfiguredFeatures;
import org.enbd.client.DeviceControl;
import org.enbd.client.DeviceStack;
import org.enbd.client.SwappableStacking;
import org.enbd.client.LocalEndpoint;
import org.enbd.client.RemoteDevice;
import org.enbd.client.TransportResolver;
import org.enbd.server.RestackableExport;
import org.enbd.server.StackEntry;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.cm.ConfigurationAdmin;
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
 *
 * <p>Features: the configuration's {@code features} name a stack over the device ({@link DeviceStack}), built
 * from the Feature services present; while one is missing the endpoint waits (STARTING, "waiting for feature
 * 'x'") and serves nothing. When one in the stack goes away (its bundle stopped, updated, uninstalled), the local
 * connections stay open: in the feature's unbind their requests inside the stack drain and new ones wait
 * ({@link RestackableExport}), and once the feature is back the stack is built again under the same connections.
 * The local clients see a pause, never an error. The device stays connected throughout.
 *
 * <p>TLS: an {@code nbds://} URI needs the ssl bundle's {@link ClientSecurity}; until one is present the endpoint
 * waits (STARTING, "waiting for a TLS provider") rather than connect in clear.
 *
 * <p>Changes: a new {@code uri} alone is applied live ({@link RemoteDevice#retarget}: new connections, the old
 * ones' requests retracted onto them, the local clients never notice); any other change stops this configuration's
 * run and starts a new one, as a restart would. Actions ({@link DeviceActions}, under the endpoint's and its
 * device's status ids): reconnect, drop a connection, disconnect (deletes the configuration through ConfigAdmin).
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
    private final AwaitedSecurity security = new AwaitedSecurity();
    /** The Feature services bound, handed to each run's {@link ConfiguredFeatures}. */
    private final Map<Feature, Map<String, Object>> bound = new LinkedHashMap<>();
    private volatile ConfigurationAdmin configurations;
    private ServiceRegistration<DeviceActions> actions;
    /** This configuration's run: replaced when a change cannot be applied live. */
    private Run run;

    @Activate
    public EndpointComponent(EndpointConfig config, Map<String, Object> properties, BundleContext bundle,
                             @Reference EventLoops loops, @Reference StatusBoard board,
                             @Reference TransportRegistry transports) {
        this.transports = transports;
        this.loops = loops;
        this.board = board;
        this.bundle = bundle;
        this.id = String.valueOf(properties.getOrDefault(Constants.SERVICE_PID, "org.enbd.client.endpoint"));
        start(config, properties);
        if (bundle != null) {
            Hashtable<String, Object> props = new Hashtable<>();
            props.put(DeviceActions.STATUS_ID, new String[] {id, id + "/remote"});
            actions = bundle.registerService(DeviceActions.class, actions(), props);
        }
    }

    /** The endpoint's actions: on its device, and disconnect by deleting its configuration. */
    DeviceActions actions() {
        return new DeviceControl(id, () -> {
            Run r = current();
            return r == null ? null : r.connected();
        }, DeviceControl.deletingConfiguration(() -> configurations, id));
    }

    @Reference(service = ConfigurationAdmin.class, cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void bindConfigurations(ConfigurationAdmin admin) {
        configurations = admin;
    }

    void unbindConfigurations(ConfigurationAdmin admin) {
        if (configurations == admin) {
            configurations = null;
        }
    }

    @Reference(service = Feature.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void addFeature(Feature feature, Map<String, Object> properties) {
        synchronized (bound) {
            bound.put(feature, properties);
            Run r = run;
            if (r != null) {
                r.features.add(feature, properties);
            }
        }
    }

    void removeFeature(Feature feature, Map<String, Object> properties) {
        synchronized (bound) {
            bound.remove(feature);
            Run r = run;
            if (r != null) {
                r.features.remove(feature, properties);
            }
        }
    }

    @Reference(service = ClientSecurity.class, cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void bindSecurity(ClientSecurity provider) {
        security.bind(provider);
    }

    void unbindSecurity(ClientSecurity provider) {
        security.unbind(provider);
    }

    private Run current() {
        synchronized (bound) {
            return run;
        }
    }

    private void start(EndpointConfig config, Map<String, Object> properties) {
        Run next = new Run(config, properties);
        synchronized (bound) {
            bound.forEach(next.features::add);
            run = next;
        }
        next.start();
    }

    /**
     * A changed configuration: a new {@code uri} alone moves the device there live; anything else (or a move that
     * cannot be made now: not connected yet, a TLS provider missing) stops this run and starts another.
     */
    @Modified
    void modified(EndpointConfig config, Map<String, Object> properties) {
        Run r = current();
        if (r.movable(config, properties) && r.move(config)) {
            return;
        }
        LOG.info("{}: configuration changed; restarting the endpoint", id);
        r.stop();
        start(config, properties);
    }

    @Deactivate
    void deactivate() {
        if (actions != null) {
            actions.unregister();
            actions = null;
        }
        current().stop();
        board.remove(id + "/remote");
    }

    /** One configuration's endpoint: from connecting to stopping. */
    private final class Run {
        private final EndpointConfig config;
        private volatile ClientOptions options;
        private final StreamAddress serveAt;
        private final ConfiguredFeatures features;
        private final Thread opener;
        private volatile boolean stopping;
        private RemoteDevice device;
        private RestackableExport stack;
        private LocalEndpoint endpoint;
        private ServiceRegistration<Export> registration;
        private final Object statusLock = new Object();
        private EndpointStatus following;
        private Status.State lastState;
        private String lastDetail;

        Run(EndpointConfig config, Map<String, Object> properties) {
            this.config = config;
            this.features = new ConfiguredFeatures(config.features(), properties);
            ClientOptions o;
            StreamAddress at;
            try {
                o = options(config);
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
            opener = Thread.ofPlatform().name("enbd-endpoint-" + id).daemon().unstarted(this::run);
        }

        private static ClientOptions options(EndpointConfig config) {
            return ClientOptions.fromConfiguration(config.uri(), config.connections(), config.stallTimeoutMs(),
                    config.deadTimeMs(), config.reconnectMaxMs(), config.queueLimit());
        }

        void start() {
            if (opener != null) {
                board.report(Status.of(id, "endpoint", Status.State.STARTING, "connecting to " + options.uri()));
                opener.start();
            }
        }

        /** Whether {@code next} differs from this run's configuration in its {@code uri} only. */
        boolean movable(EndpointConfig next, Map<String, Object> properties) {
            if (options == null) {
                return false;
            }
            try {
                ClientOptions o = options(next);
                return o.equals(options.withUri(o.uri())) && next.serve().equals(config.serve())
                        && Arrays.equals(next.features(), config.features())
                        && features.parameters().equals(ConfiguredFeatures.parametersOf(features.names(), properties));
            } catch (RuntimeException e) {
                return false;
            }
        }

        /** Moves the device to {@code next}'s URI; false when it cannot now (then the run restarts). */
        boolean move(EndpointConfig next) {
            RemoteDevice d = connected();
            ClientOptions o = options(next);
            if (d == null || o.uri().equals(options.uri())) {
                return d != null;
            }
            ClientSecurity tls = o.uri().tlsRequired() ? security.present() : null;
            if (o.uri().tlsRequired() && tls == null) {
                return false;
            }
            try {
                d.retarget(o.uri(), tls);
            } catch (NbdException e) {
                LOG.error("{}: cannot move to {}: {}", id, o.uri(), e.getMessage());
                return false;
            }
            LOG.info("{}: moving {} to {} live", id, options.uri(), o.uri());
            options = o;
            synchronized (statusLock) {
                if (following != null) {
                    following = following(d);
                    lastState = null;
                }
            }
            remoteChanged(d.status());
            return true;
        }

        synchronized RemoteDevice connected() {
            return stopping ? null : device;
        }

        /**
         * The component's thread: once every configured feature is present, opens the device and serves its stack;
         * builds the stack again (same device, same serve address) whenever a feature in it goes away.
         */
        private void run() {
            try {
                features.run(() -> stopping, missing -> board.report(Status.of(id, "endpoint", Status.State.STARTING,
                        "waiting for feature " + ConfiguredFeatures.quoted(missing))), new SwappableStacking() {
                            @Override
                            public boolean build(List<StackEntry> stack) {
                                RemoteDevice opened = device(); // connected once the features are there
                                return opened != null && serve(opened, stack);
                            }

                            @Override
                            public void teardown() {
                                stopServing();
                            }

                            @Override
                            protected RestackableExport current() {
                                synchronized (Run.this) {
                                    return stack;
                                }
                            }

                            @Override
                            protected void waiting(String detail) {
                                board.report(Status.of(id, "endpoint", Status.State.STARTING, detail));
                            }

                            @Override
                            protected void failed(String reason) {
                                LOG.error("{}: {}", id, reason);
                                board.report(Status.of(id, "endpoint", Status.State.FAILED, reason));
                            }

                            @Override
                            protected void restacked(int connections) {
                                LOG.info("{}: features {} stacked again under {} local connection(s)", id,
                                        features.names(), connections);
                                synchronized (statusLock) {
                                    lastState = null; // the next follower report restores the state
                                }
                                RemoteDevice d = connected();
                                if (d != null) {
                                    remoteChanged(d.status());
                                }
                            }
                        });
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // deactivation
            }
        }

        /** The device, opened on first use. */
        private RemoteDevice device() {
            synchronized (this) {
                if (device != null) {
                    return device;
                }
            }
            return open();
        }

        /** Connects, retrying while the failure is the network's; null when stopped or refused (then FAILED). */
        private RemoteDevice open() {
            RemoteDevice opened;
            try {
                ClientSecurity tls = null;
                if (options.uri().tlsRequired()) {
                    tls = security.await(() -> stopping, () -> board.report(Status.of(id, "endpoint",
                            Status.State.STARTING, "waiting for a TLS provider (the transport-ssl bundle) for "
                                    + options.uri().scheme() + "://")));
                    if (tls == null) {
                        return null;
                    }
                }
                opened = RemoteDevice.openRetrying(options, TransportResolver.of(transports), tls, loops, board,
                        id + "/remote", () -> stopping, e -> board.report(Status.of(id, "endpoint", Status.State.DOWN,
                                e.getMessage() + "; retrying")));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // deactivation
                return null;
            } catch (NbdException e) {
                LOG.error("{}: {}", id, e.getMessage());
                board.report(Status.of(id, "endpoint", Status.State.FAILED, e.getMessage()));
                return null;
            }
            if (opened == null) {
                return null;
            }
            synchronized (this) {
                device = opened;
                if (stopping) {
                    return null; // deactivate closes it
                }
            }
            opened.onStatus(this::remoteChanged);
            return opened;
        }

        /** Builds the stack over the device and serves it; false (FAILED reported) when that fails. */
        private boolean serve(RemoteDevice opened, List<StackEntry> entries) {
            Optional<Transport> local = transports.forAddress(serveAt);
            RestackableExport built = null;
            try {
                if (local.isEmpty()) {
                    throw new java.io.IOException("no transport serves " + serveAt.scheme() + "://");
                }
                built = DeviceStack.openRestackable(opened, entries, features.parameters());
                LocalEndpoint served = LocalEndpoint.start(opened, built, local.get(), serveAt);
                Hashtable<String, Object> props = new Hashtable<>();
                props.put(Export.NAME, opened.exportName());
                props.put("enbd.client.endpoint", id);
                ServiceRegistration<Export> reg = bundle.registerService(Export.class, served.exports().getFirst(), props);
                synchronized (this) {
                    stack = built;
                    endpoint = served;
                    registration = reg;
                    if (stopping) {
                        return false;
                    }
                }
                LOG.info("{}: serving {} ({} bytes, {} connections{}) on {}", id, options.uri(), opened.size(),
                        opened.connections(), entries.isEmpty() ? "" : ", features " + features.names(),
                        served.localAddress());
                synchronized (statusLock) {
                    following = following(opened);
                    lastState = null;
                }
                remoteChanged(opened.status());
                return true;
            } catch (java.io.IOException | NbdException | RuntimeException e) {
                LOG.error("{}: cannot serve on {}: {}", id, serveAt, e.getMessage());
                board.report(Status.of(id, "endpoint", Status.State.FAILED, e.getMessage()));
                if (built != null) {
                    built.close();
                }
                return false;
            }
        }

        private EndpointStatus following(RemoteDevice opened) {
            return new EndpointStatus(id, "serving " + options.uri() + " on " + serveAt.endpoint(),
                    Map.of("uri", options.uri().toString(), "serve", serveAt.toString(), "size", opened.size(),
                            "features", String.join("+", features.names()), "remoteStatus", id + "/remote"));
        }

        /** Stops serving the stack (the device stays connected): unregisters, drains the local clients, detaches. */
        private void stopServing() {
            synchronized (statusLock) {
                following = null;
            }
            synchronized (this) {
                if (registration != null) {
                    registration.unregister();
                    registration = null;
                }
                if (endpoint != null) {
                    endpoint.close();
                    endpoint = null;
                }
                if (stack != null) {
                    stack.close();
                    stack = null;
                }
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

        void stop() {
            stopping = true;
            features.wake();
            security.wake();
            if (opener != null) {
                opener.interrupt();
                try {
                    opener.join(30_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            stopServing();
            synchronized (this) {
                if (device != null) {
                    device.close();
                }
            }
            synchronized (statusLock) {
                // after this no follower report can land: remoteChanged checks stopping under the same lock
                board.report(Status.of(id, "endpoint", Status.State.STOPPED, "stopped"));
            }
        }
    }
}
