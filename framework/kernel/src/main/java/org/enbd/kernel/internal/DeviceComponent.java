package org.enbd.kernel.internal;

import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.enbd.api.NbdException;
import org.enbd.api.control.Status;
import org.enbd.api.control.StatusBoard;
import org.enbd.api.layer.Feature;
import org.enbd.api.stream.ClientSecurity;
import org.enbd.api.stream.EventLoops;
import org.enbd.api.stream.TransportRegistry;
import org.enbd.client.AwaitedSecurity;
import org.enbd.client.ClientOptions;
import org.enbd.client.ConfiguredFeatures;
import org.enbd.client.DeviceStack;
import org.enbd.client.RemoteDevice;
import org.enbd.client.TransportResolver;
import org.enbd.kernel.AttachMethod;
import org.enbd.kernel.DeviceOptions;
import org.enbd.kernel.KernelDevice;
import org.enbd.kernel.KernelTimeout;
import org.enbd.kernel.MemoryLock;
import org.enbd.server.LayeredExport;
import org.enbd.server.StackEntry;
import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
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
 * "waiting for feature 'x'"); when one in the stack goes away the kernel device is detached and attached again
 * once it is back. A size change of the export (the server's event over ENBD's extension, or a new size after an
 * outage) is applied to the kernel with NBD_CMD_RECONFIGURE by the {@link KernelDevice}, and shown as the
 * status's {@code size}.
 *
 * <p>TLS: an {@code nbds://} URI needs the ssl bundle's {@link ClientSecurity}; until one is present the device
 * waits (STARTING, "waiting for a TLS provider") rather than connect in clear.
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
    private final DeviceConfig config;
    private final ConfiguredFeatures features;
    private final AwaitedSecurity security = new AwaitedSecurity();
    private final Thread opener;
    private volatile boolean stopping;
    private RemoteDevice remote;
    private LayeredExport stack;
    private KernelDevice kernel;

    @Activate
    public DeviceComponent(DeviceConfig config, Map<String, Object> properties, @Reference EventLoops loops,
                           @Reference StatusBoard board, @Reference TransportRegistry transports) {
        this.transports = transports;
        this.loops = loops;
        this.board = board;
        this.config = config;
        this.id = String.valueOf(properties.getOrDefault(Constants.SERVICE_PID, "org.enbd.kernel.device"));
        this.features = new ConfiguredFeatures(config.features());
        board.report(status(Status.State.STARTING, "connecting to " + config.uri(), 0, 0));
        opener = Thread.ofPlatform().name("enbd-device-" + id).daemon().start(this::run);
    }

    @Reference(service = Feature.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void addFeature(Feature feature, Map<String, Object> properties) {
        features.add(feature, properties);
    }

    void removeFeature(Feature feature, Map<String, Object> properties) {
        features.remove(feature, properties);
    }

    @Reference(service = ClientSecurity.class, cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void bindSecurity(ClientSecurity provider) {
        security.bind(provider);
    }

    void unbindSecurity(ClientSecurity provider) {
        security.unbind(provider);
    }

    private void run() {
        ClientOptions options;
        try {
            options = ClientOptions.fromConfiguration(config.uri(), config.connections(), config.stallTimeoutMs(),
                    config.deadTimeMs(), config.reconnectMaxMs(), config.queueLimit());
            AttachMethod.valueOf(config.method().toUpperCase(Locale.ROOT));
            if (config.memlock()) {
                MemoryLock.lockAll();
            }
        } catch (IOException | RuntimeException e) {
            fail("bad configuration: " + e.getMessage());
            return;
        }
        try {
            features.run(() -> stopping, missing -> board.report(status(Status.State.STARTING, "waiting for feature "
                    + ConfiguredFeatures.quoted(missing), 0, 0)), new ConfiguredFeatures.Stacking() {
                        @Override
                        public boolean build(List<StackEntry> stack) {
                            RemoteDevice opened = remote(options); // connected once the features are there
                            return opened != null && attach(options, opened, stack);
                        }

                        @Override
                        public void teardown() {
                            detach();
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
        LayeredExport built = null;
        try {
            built = DeviceStack.open(opened, entries);
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
            board.report(status(Status.State.UP, detail, attached.sizeBytes(), device.connections()));
            attached.onResized(size -> {
                if (!stopping) {
                    board.report(status(Status.State.UP, detail, size, device.connections()));
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
        LayeredExport built;
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

    @Deactivate
    void deactivate() {
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
        board.remove(id + "/remote");
    }
}
