package org.enbd.kernel.internal;

import java.io.IOException;
import java.util.Locale;
import java.util.Map;
import org.enbd.api.NbdException;
import org.enbd.api.control.Status;
import org.enbd.api.control.StatusBoard;
import org.enbd.api.stream.EventLoops;
import org.enbd.api.stream.TransportRegistry;
import org.enbd.client.ClientOptions;
import org.enbd.client.RemoteDevice;
import org.enbd.client.TransportResolver;
import org.enbd.kernel.AttachMethod;
import org.enbd.kernel.DeviceOptions;
import org.enbd.kernel.KernelDevice;
import org.enbd.kernel.KernelTimeout;
import org.enbd.kernel.MemoryLock;
import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
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
    private final Thread opener;
    private volatile boolean stopping;
    private RemoteDevice remote;
    private KernelDevice kernel;

    @Activate
    public DeviceComponent(DeviceConfig config, Map<String, Object> properties, @Reference EventLoops loops,
                           @Reference StatusBoard board, @Reference TransportRegistry transports) {
        this.transports = transports;
        this.loops = loops;
        this.board = board;
        this.config = config;
        this.id = String.valueOf(properties.getOrDefault(Constants.SERVICE_PID, "org.enbd.kernel.device"));
        board.report(status(Status.State.STARTING, "connecting to " + config.uri(), 0, 0));
        opener = Thread.ofPlatform().name("enbd-device-" + id).daemon().start(this::run);
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
        RemoteDevice opened = openRemote(options);
        if (opened == null) {
            return;
        }
        try {
            DeviceOptions device = new DeviceOptions(config.device(), Math.max(1, opened.connections()),
                    KernelTimeout.seconds(options.deadTime(), options.stallTimeout()), config.deadConnTimeoutS(),
                    options.uri().toString(),
                    AttachMethod.valueOf(config.method().toUpperCase(Locale.ROOT)));
            KernelDevice attached = KernelDevice.attach(device, opened, loops);
            synchronized (this) {
                remote = opened;
                kernel = attached;
                if (stopping) {
                    return; // deactivate closes both
                }
            }
            board.report(status(Status.State.UP, config.device() + " attached to " + options.uri() + " through "
                    + attached.method(), attached.sizeBytes(), device.connections()));
            attached.released().thenRun(this::kernelLetGo);
        } catch (IOException | RuntimeException e) {
            opened.close();
            fail("cannot attach " + config.device() + ": " + e.getMessage());
        }
    }

    /** Connects, retrying while the failure is the network's (EIO); null when stopped or refused. */
    private RemoteDevice openRemote(ClientOptions options) {
        try {
            return RemoteDevice.openRetrying(options, TransportResolver.of(transports), loops, board, id + "/remote",
                    () -> stopping,
                    e -> board.report(status(Status.State.DOWN, e.getMessage() + "; retrying", 0, 0)));
        } catch (NbdException e) {
            fail(e.getMessage());
            return null;
        }
    }

    /** Someone else disconnected the device (enbd client --disconnect, nbd-client -d): the device is gone. */
    private void kernelLetGo() {
        if (!stopping) {
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
        opener.interrupt();
        try {
            opener.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            if (kernel != null) {
                kernel.close();
            }
            if (remote != null) {
                remote.close();
            }
        }
        board.report(status(Status.State.STOPPED, config.device() + " detached", 0, 0));
        board.remove(id + "/remote");
    }
}
