package org.enbd.kernel.internal;

import java.io.IOException;
import java.util.Arrays;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.enbd.api.NbdException;
import org.enbd.api.control.DeviceActions;
import org.enbd.api.control.Status;
import org.enbd.api.control.StatusBoard;
import org.enbd.api.layer.Feature;
import org.enbd.api.stream.ClientSecurity;
import org.enbd.api.stream.EventLoops;
import org.enbd.api.stream.TransportRegistry;
import org.enbd.client.AwaitedSecurity;
import org.enbd.client.ClientOptions;
import org.enbd.client.ConfiguredFeatures;
import org.enbd.client.DeviceControl;
import org.enbd.client.DeviceStack;
import org.enbd.client.SwappableStacking;
import org.enbd.client.RemoteDevice;
import org.enbd.client.TransportResolver;
import org.enbd.kernel.AttachMethod;
import org.enbd.kernel.DeviceOptions;
import org.enbd.kernel.KernelDevice;
import org.enbd.kernel.KernelTimeout;
import org.enbd.kernel.MemoryLock;
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
 * {@code enbd client URI --device /dev/nbdN}: opens the client engine's {@link RemoteDevice} and attaches it to
 * the kernel ({@link KernelDevice}: netlink, else ioctls), through the transport the framework's
 * {@link TransportRegistry} chooses for the URI (asked again on every reconnect). Opening waits for the network,
 * so it runs on a thread
 * this component owns and joins on deactivate; while the server cannot be reached it retries (DOWN), a refusal
 * ends in FAILED. Deactivation disconnects the device, waits for the kernel to let go, then closes the engine.
 * Reports to the status board under its {@code service.pid}.
 *
 * <p>Features: the configuration's {@code features} name a stack over the remote device ({@link DeviceStack});
 * each relay socket gets its own layer of it. While one is missing the device waits unattached (STARTING,
 * "waiting for feature 'x'"); when one in the stack goes away the kernel device stays attached: the kernel's
 * requests drain out of the stack and wait ({@link RestackableExport}), and the stack is built again under the
 * relay's sockets once the feature is back (before: detached and attached again). A size change of the export (the server's event over ENBD's extension, or a new size after an
 * outage) is applied to the kernel with NBD_CMD_RECONFIGURE by the {@link KernelDevice}, and shown as the
 * status's {@code size}.
 *
 * <p>TLS: an {@code nbds://} URI needs the ssl bundle's {@link ClientSecurity}; until one is present the device
 * waits (STARTING, "waiting for a TLS provider") rather than connect in clear.
 *
 * <p>Changes: a new {@code uri} alone is applied live ({@link RemoteDevice#retarget}): the kernel device stays
 * attached, the engine opens connections to the new server and retracts the old ones' requests onto them. Any other
 * change detaches the device and attaches it again with the new configuration, as a restart would. Actions
 * ({@link DeviceActions}, under the device's and its remote's status ids): reconnect, drop a connection,
 * disconnect (deletes the configuration through ConfigAdmin).
 */
@Component(configurationPid = "org.enbd.kernel.device", configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = {})
@Designate(ocd = DeviceConfig.class, factory = true)
public final class DeviceComponent {
    private static final Logger LOG = LoggerFactory.getLogger(DeviceComponent.class);
    private static final String KIND = "device";

    private final TransportRegistry transports;
    private final EventLoops loops;
    private final StatusBoard board;
    private final String id;
    private final AwaitedSecurity security = new AwaitedSecurity();
    /** The Feature services bound, handed to each run's {@link ConfiguredFeatures}. */
    private final Map<Feature, Map<String, Object>> bound = new LinkedHashMap<>();
    private volatile ConfigurationAdmin configurations;
    private ServiceRegistration<DeviceActions> actions;
    /** This configuration's run: replaced when a change cannot be applied live. */
    private Run run;
    /** Instead of {@link #run}, with {@code kernelSockets}: the kernel speaks to the server itself. */
    private volatile DirectRun direct;

    @Activate
    public DeviceComponent(DeviceConfig config, Map<String, Object> properties, BundleContext bundle,
                           @Reference EventLoops loops, @Reference StatusBoard board,
                           @Reference TransportRegistry transports) {
        this.transports = transports;
        this.loops = loops;
        this.board = board;
        this.id = String.valueOf(properties.getOrDefault(Constants.SERVICE_PID, "org.enbd.kernel.device"));
        start(config, properties);
        if (bundle != null) {
            Hashtable<String, Object> props = new Hashtable<>();
            props.put(DeviceActions.STATUS_ID, new String[] {id, id + "/remote"});
            actions = bundle.registerService(DeviceActions.class, actions(), props);
        }
    }

    /** Outside a framework (tests): no actions service. */
    DeviceComponent(DeviceConfig config, Map<String, Object> properties, EventLoops loops, StatusBoard board,
                    TransportRegistry transports) {
        this(config, properties, null, loops, board, transports);
    }

    /** The device's actions: on its remote device, and disconnect by deleting its configuration. */
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

    private void start(DeviceConfig config, Map<String, Object> properties) {
        if (config.kernelSockets()) {
            DirectRun d = new DirectRun(id, config, board);
            synchronized (bound) {
                direct = d;
                run = null;
            }
            d.start();
            return;
        }
        Run next = new Run(config, properties);
        synchronized (bound) {
            bound.forEach(next.features::add);
            run = next;
        }
        next.start();
    }

    /**
     * A changed configuration: a new {@code uri} alone moves the remote device there live, the kernel device stays
     * attached; anything else (or a move that cannot be made now) detaches and attaches again.
     */
    @Modified
    void modified(DeviceConfig config, Map<String, Object> properties) {
        DirectRun d = direct;
        if (d != null) {
            LOG.info("{}: configuration changed; detaching and attaching {} again", id, config.device());
            d.stop();
            direct = null;
            start(config, properties);
            return;
        }
        Run r = current();
        if (config.kernelSockets()) {
            r.stop();
            start(config, properties);
            return;
        }
        if (r.movable(config, properties) && r.move(config)) {
            return;
        }
        LOG.info("{}: configuration changed; detaching and attaching {} again", id, config.device());
        r.stop();
        start(config, properties);
    }

    @Deactivate
    void deactivate() {
        if (actions != null) {
            actions.unregister();
            actions = null;
        }
        DirectRun d = direct;
        if (d != null) {
            d.stop();
        } else {
            current().stop();
        }
        board.remove(id + "/remote");
    }

    /** One configuration's device: from connecting to detaching. */
    private final class Run {
        private volatile DeviceConfig config;
        private final ConfiguredFeatures features;
        private Thread opener;
        private volatile boolean stopping;
        private RemoteDevice remote;
        private RestackableExport stack;
        private KernelDevice kernel;
        /** The status while attached, re-reported with the new server after a move. */
        private volatile Status attachedStatus;

        Run(DeviceConfig config, Map<String, Object> properties) {
            this.config = config;
            this.features = new ConfiguredFeatures(config.features(), properties);
        }

        void start() {
            board.report(status(Status.State.STARTING, "connecting to " + config.uri(), 0, 0));
            opener = Thread.ofPlatform().name("enbd-device-" + id).daemon().start(this::run);
        }

        private static ClientOptions options(DeviceConfig config) {
            return ClientOptions.fromConfiguration(config.uri(), config.connections(), config.stallTimeoutMs(),
                    config.deadTimeMs(), config.reconnectMaxMs(), config.queueLimit());
        }

        /** Whether {@code next} differs from this run's configuration in its {@code uri} only. */
        boolean movable(DeviceConfig next, Map<String, Object> properties) {
            DeviceConfig was = config;
            try {
                ClientOptions o = options(next);
                return o.equals(options(was).withUri(o.uri())) && next.device().equals(was.device())
                        && next.deadConnTimeoutS() == was.deadConnTimeoutS() && next.memlock() == was.memlock()
                        && next.method().equals(was.method()) && Arrays.equals(next.features(), was.features())
                        && features.parameters().equals(ConfiguredFeatures.parametersOf(features.names(), properties));
            } catch (RuntimeException e) {
                return false;
            }
        }

        /** Moves the remote device to {@code next}'s URI; false when it cannot now (then the run restarts). */
        boolean move(DeviceConfig next) {
            RemoteDevice d = connected();
            ClientOptions o = options(next);
            if (d == null) {
                return false;
            }
            ClientSecurity tls = o.uri().tlsRequired() ? security.present() : null;
            if (o.uri().tlsRequired() && tls == null) {
                return false;
            }
            if (!o.uri().equals(d.uri())) {
                try {
                    d.retarget(o.uri(), tls);
                } catch (NbdException e) {
                    LOG.error("{}: cannot move to {}: {}", id, o.uri(), e.getMessage());
                    return false;
                }
                LOG.info("{}: moving {} to {} live; {} stays attached", id, config.uri(), o.uri(), next.device());
            }
            config = next;
            Status up = attachedStatus;
            if (up != null && !stopping) {
                board.report(new Status(id, KIND, up.state(), up.detail().replace(String.valueOf(
                        up.attributes().get("server")), next.uri()), withServer(up.attributes(), next.uri()), null));
            }
            return true;
        }

        synchronized RemoteDevice connected() {
            return stopping ? null : remote;
        }

        private void run() {
            ClientOptions options;
            try {
                options = ClientOptions.fromConfiguration(config.uri(), config.connections(), config.stallTimeoutMs(),
                        config.deadTimeMs(), config.reconnectMaxMs(), config.queueLimit());
                AttachMethod.valueOf(config.method().toUpperCase(Locale.ROOT));
                if (config.memlock()) {
                    MemoryLock.lockAll();
                    try {
                        MemoryLock.ioFlusher(loops.group());
                    } catch (IOException e) {
                        LOG.warn("{}: memlock without I/O flushers (a swap-out may wait for itself): {}", id,
                                e.getMessage());
                    }
                }
            } catch (IOException | RuntimeException e) {
                fail("bad configuration: " + e.getMessage());
                return;
            }
            try {
                features.run(() -> stopping, missing -> board.report(status(Status.State.STARTING,
                        "waiting for feature " + ConfiguredFeatures.quoted(missing), 0, 0)),
                        new SwappableStacking() {
                            @Override
                            public boolean build(List<StackEntry> stack) {
                                RemoteDevice opened = remote(options); // connected once the features are there
                                return opened != null && attach(options, opened, stack);
                            }

                            @Override
                            public void teardown() {
                                detach();
                            }

                            @Override
                            protected RestackableExport current() {
                                synchronized (Run.this) {
                                    return stack;
                                }
                            }

                            @Override
                            protected void waiting(String detail) {
                                board.report(status(Status.State.STARTING, detail + " (the kernel's requests wait)",
                                        0, 0));
                            }

                            @Override
                            protected void failed(String reason) {
                                fail(reason);
                            }

                            @Override
                            protected void restacked(int connections) {
                                LOG.info("{}: features {} stacked again under the attached kernel device", id,
                                        features.names());
                                if (attachedStatus != null) {
                                    board.report(attachedStatus);
                                }
                            }
                        });
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // deactivation
            }
        }

        /** The remote device, opened on first use; null when stopped or refused. */
        private RemoteDevice remote(ClientOptions options) {
            synchronized (this) {
                if (remote != null) {
                    return remote;
                }
            }
            RemoteDevice opened = openRemote(options);
            synchronized (this) {
                remote = opened;
                return stopping ? null : opened; // when stopping, deactivate closes it
            }
        }

        /** Builds the stack over the device and attaches it to the kernel; false (FAILED reported) when that fails. */
        private boolean attach(ClientOptions options, RemoteDevice opened, List<StackEntry> entries) {
            RestackableExport built = null;
            try {
                built = DeviceStack.openRestackable(opened, entries, features.parameters());
                DeviceOptions device = new DeviceOptions(config.device(), Math.max(1, opened.connections()),
                        KernelTimeout.seconds(options.deadTime(), options.stallTimeout()), config.deadConnTimeoutS(),
                        options.uri().toString(),
                        AttachMethod.valueOf(config.method().toUpperCase(Locale.ROOT)));
                KernelDevice attached = KernelDevice.attach(device, built, loops);
                String detail = config.device() + " attached to " + options.uri() + " through " + attached.method()
                        + (entries.isEmpty() ? "" : " with features " + String.join("+", features.names()));
                synchronized (this) {
                    stack = built;
                    kernel = attached;
                    if (stopping) {
                        return false; // deactivate detaches
                    }
                }
                attachedStatus = status(Status.State.UP, detail, attached.sizeBytes(), device.connections());
                board.report(attachedStatus);
                attached.onResized(size -> {
                    if (!stopping) {
                        attachedStatus = status(Status.State.UP, detail.replace(options.uri().toString(),
                                config.uri()), size, device.connections());
                        board.report(attachedStatus);
                    }
                });
                attached.released().thenRun(() -> kernelLetGo(attached));
                return true;
            } catch (IOException | NbdException | RuntimeException e) {
                if (built != null) {
                    built.close();
                }
                fail("cannot attach " + config.device() + ": " + e.getMessage());
                return false;
            }
        }

        /** Detaches the kernel device and the stack; the remote device stays connected. */
        private void detach() {
            KernelDevice attached;
            RestackableExport built;
            synchronized (this) {
                attached = kernel;
                built = stack;
                kernel = null;
                stack = null;
            }
            if (attached != null) {
                attached.close();
            }
            if (built != null) {
                built.close();
            }
        }

        /** Connects, retrying while the failure is the network's (EIO); null when stopped or refused. */
        private RemoteDevice openRemote(ClientOptions options) {
            try {
                ClientSecurity tls = null;
                if (options.uri().tlsRequired()) {
                    tls = security.await(() -> stopping, () -> board.report(status(Status.State.STARTING,
                            "waiting for a TLS provider (the transport-ssl bundle) for " + options.uri().scheme()
                                    + "://", 0, 0)));
                    if (tls == null) {
                        return null;
                    }
                }
                return RemoteDevice.openRetrying(options, TransportResolver.of(transports), tls, loops, board,
                        id + "/remote", () -> stopping,
                        e -> board.report(status(Status.State.DOWN, e.getMessage() + "; retrying", 0, 0)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // deactivation
                return null;
            } catch (NbdException e) {
                fail(e.getMessage());
                return null;
            }
        }

        /** Someone else disconnected the device (enbd client --disconnect, nbd-client -d): the device is gone. */
        private void kernelLetGo(KernelDevice attached) {
            boolean ours;
            synchronized (this) {
                ours = kernel == attached; // not detached by this component (a rebuild)
            }
            if (ours && !stopping) {
                LOG.info("{}: the kernel let go of {} (disconnected)", id, config.device());
                board.report(status(Status.State.STOPPED, config.device() + " was disconnected", 0, 0));
            }
        }

        private void fail(String reason) {
            LOG.error("{}: {}", id, reason);
            board.report(status(Status.State.FAILED, reason, 0, 0));
        }

        private Status status(Status.State state, String detail, long size, int connections) {
            return new Status(id, KIND, state, detail, Map.of("device", config.device(), "server", config.uri(),
                    "size", size, "connections", connections, "state", state.name()), null);
        }

        void stop() {
            stopping = true;
            features.wake();
            security.wake();
            opener.interrupt();
            try {
                opener.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            detach();
            synchronized (this) {
                if (remote != null) {
                    remote.close();
                }
            }
            board.report(status(Status.State.STOPPED, config.device() + " detached", 0, 0));
        }
    }

    private static Map<String, Object> withServer(Map<String, Object> attributes, String server) {
        Map<String, Object> a = new LinkedHashMap<>(attributes);
        a.put("server", server);
        return a;
    }
}
