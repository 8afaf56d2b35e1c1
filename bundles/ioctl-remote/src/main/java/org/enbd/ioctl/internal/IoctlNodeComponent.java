package org.enbd.ioctl.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.control.DeviceActions;
import org.enbd.api.control.Status;
import org.enbd.api.control.StatusBoard;
import org.enbd.api.stream.EventLoops;
import org.enbd.api.stream.TransportRegistry;
import org.enbd.client.ClientOptions;
import org.enbd.client.RemoteDevice;
import org.enbd.client.TransportResolver;
import org.enbd.ioctl.Descriptor;
import org.enbd.ioctl.Errno;
import org.enbd.ioctl.IoctlControl;
import org.enbd.ioctl.IoctlTable;
import org.enbd.ioctl.internal.cuse.ControlNode;
import org.enbd.ioctl.internal.cuse.IoctlDance;
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
 * Remote ioctls for one client device (factory PID {@code org.enbd.ioctl.node}): opens its own connection to the
 * device's export on a thread it owns (DOWN and retrying while the server cannot be reached), asks which ioctls the export allows, and serves them two ways: a CUSE
 * control node ({@code /dev/enbd/nbd0-ctl}, {@link ControlNode}) on which any program calls them, and an
 * {@code ioctl NAME [ARG]} action (DeviceActions) that the console's form runs; the answer of the last one is in
 * the status ({@code last*} attributes). Reports under its {@code service.pid} as kind {@code ioctl-node}.
 */
@Component(configurationPid = IoctlNodeComponent.PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = {})
@Designate(ocd = IoctlNodeConfig.class, factory = true)
public final class IoctlNodeComponent {
    static final String PID = "org.enbd.ioctl.node";
    static final String KIND = "ioctl-node";
    private static final Logger LOG = LoggerFactory.getLogger(IoctlNodeComponent.class);
    private static final String CUSE = "/dev/cuse";

    private final StatusBoard board;
    private final String id;
    private final String uri;
    private final String node;
    private final Duration timeout;
    private final Thread opener;
    private final ExecutorService actions = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("enbd-ioctl-action").daemon().factory());
    private final AtomicLong calls = new AtomicLong();
    private final Map<String, Object> attributes = new LinkedHashMap<>();
    private ServiceRegistration<DeviceActions> registration;
    private volatile RemoteDevice device;
    private volatile ControlNode control;
    private volatile Status.State state = Status.State.STARTING;
    private volatile String detail;

    @Activate
    public IoctlNodeComponent(IoctlNodeConfig config, Map<String, Object> properties, BundleContext bundle,
                              @Reference StatusBoard board, @Reference EventLoops loops,
                              @Reference TransportRegistry transports) {
        this.board = board;
        this.id = String.valueOf(properties.getOrDefault(Constants.SERVICE_PID, PID));
        this.uri = config.uri();
        this.node = config.cuse() ? nodeName(config) : "";
        this.timeout = Duration.ofSeconds(Math.max(1, config.timeoutSeconds()));
        synchronized (attributes) {
            attributes.put("uri", uri);
            attributes.put("device", config.device());
            attributes.put("node", node.isEmpty() ? "" : "/dev/" + node);
            attributes.put("ioctls", "");
        }
        report(Status.State.STARTING, "connecting to " + uri);
        opener = Thread.ofPlatform().name("enbd-ioctl-node").daemon()
                .start(() -> open(config, TransportResolver.of(transports), loops));
        if (bundle != null) {
            Hashtable<String, Object> props = new Hashtable<>();
            props.put(DeviceActions.STATUS_ID, id);
            registration = bundle.registerService(DeviceActions.class, new Actions(), props);
        }
    }

    /** {@code enbd/nbd0-ctl} for device {@code /dev/nbd0}, or the configured name. */
    static String nodeName(IoctlNodeConfig config) {
        if (!config.node().isBlank()) {
            return config.node().strip().replaceFirst("^/dev/", "");
        }
        String device = config.device().strip();
        if (device.isEmpty()) {
            throw new IllegalArgumentException("an ioctl node needs device (/dev/nbd0) or node (enbd/NAME-ctl)");
        }
        return "enbd/" + device.substring(device.lastIndexOf('/') + 1) + "-ctl";
    }

    private void open(IoctlNodeConfig config, TransportResolver transports, EventLoops loops) {
        try {
            ClientOptions options = ClientOptions.of(uri).withConnections(1);
            // the node comes up whenever the server does, as the device it belongs to (DOWN while it cannot)
            RemoteDevice opened = RemoteDevice.openRetrying(options, transports, loops, null, id + "/remote",
                    () -> Thread.currentThread().isInterrupted(), e -> report(Status.State.DOWN, "cannot reach "
                            + uri + " (" + e.getMessage() + "); retrying"));
            if (opened == null) {
                return; // deactivated while waiting
            }
            device = opened;
            if (!opened.enbdExtension()) {
                throw new NbdException(NbdError.ENOTSUP, uri + " is not an ENBD-J server, so it "
                        + "takes no remote ioctls");
            }
            List<String> allowed = allowed(opened);
            synchronized (attributes) {
                attributes.put("ioctls", String.join(",", allowed));
            }
            if (!node.isEmpty()) {
                control = ControlNode.open(CUSE, node, new IoctlDance(IoctlTable.standard()),
                        request -> IoctlCall.ask(opened, true, uri, request, timeout).reply(), 10_000);
            }
            report(Status.State.UP, (node.isEmpty() ? "" : "/dev/" + node + ": ") + allowed.size()
                    + " ioctls allowed on " + uri);
        } catch (Descriptor.Failure e) {
            report(Status.State.FAILED, "control node /dev/" + node + ": " + e.getMessage()
                    + (e.errno() == 2 ? " (modprobe cuse)" : ""));
        } catch (NbdException | RuntimeException e) {
            report(Status.State.FAILED, e.getMessage());
        } catch (InterruptedException e) {
            // deactivated while opening
        }
    }

    private List<String> allowed(RemoteDevice opened) throws NbdException, InterruptedException {
        ByteBuf reply;
        try {
            reply = opened.control(IoctlControl.LIST, Unpooled.EMPTY_BUFFER, ByteBufAllocator.DEFAULT)
                    .toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new NbdException(NbdError.ENOTSUP, uri + " lists no ioctls (serve it with "
                    + "features=ioctl,ioctls=GROUP): " + (e.getCause() == null ? e : e.getCause()).getMessage());
        }
        try {
            return IoctlControl.names(reply);
        } finally {
            reply.release();
        }
    }

    private void report(Status.State newState, String newDetail) {
        state = newState;
        detail = newDetail;
        Map<String, Object> copy;
        synchronized (attributes) {
            copy = Map.copyOf(attributes);
        }
        board.report(new Status(id, KIND, newState, newDetail, copy, null));
    }

    /** The console's action: runs one ioctl on the actions thread; the answer lands in the status. */
    private final class Actions implements DeviceActions {
        @Override
        public List<Action> actions() {
            return List.of(new Action("ioctl", "NAME [ARG]", "run an ioctl the export allows on the server's "
                    + "device; the answer shows as the last call"));
        }

        @Override
        public String act(String action, String argument) {
            if (!"ioctl".equals(action)) {
                throw new IllegalArgumentException("no action '" + action + "' (ioctl NAME [ARG])");
            }
            String[] words = argument == null ? new String[0] : argument.strip().split("\\s+", 2);
            if (words.length == 0 || words[0].isEmpty()) {
                throw new IllegalArgumentException("ioctl needs the ioctl's name, e.g. BLKGETSIZE64");
            }
            IoctlControl.Request request = IoctlCall.request(IoctlTable.standard(), words[0],
                    words.length > 1 ? words[1] : "");
            RemoteDevice open = device;
            if (open == null || state != Status.State.UP) {
                throw new IllegalStateException("not connected to " + uri + " yet");
            }
            long call = calls.incrementAndGet();
            try {
                actions.execute(() -> run(open, call, request));
            } catch (RejectedExecutionException e) {
                throw new IllegalStateException("the ioctl node is stopping");
            }
            return request.name() + " sent to " + uri + " (call " + call + ")";
        }

        private void run(RemoteDevice open, long call, IoctlControl.Request request) {
            Map<String, Object> last = new LinkedHashMap<>();
            last.put("lastCall", call);
            last.put("lastIoctl", request.name());
            try {
                IoctlCall.Answer answer = IoctlCall.ask(open, true, uri, request, timeout);
                last.put("lastResult", answer.reply().result());
                last.put("lastErrno", Errno.name(answer.reply().errno()).replace("errno 0", "0"));
                last.put("lastData", HexFormat.of().formatHex(answer.reply().data()));
                last.put("lastText", answer.text());
            } catch (NbdException e) {
                last.put("lastResult", -1);
                last.put("lastErrno", e.error().name());
                last.put("lastData", "");
                last.put("lastText", request.name() + " failed: " + e.error().name() + ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            LOG.info("{}: {}", id, last.get("lastText"));
            synchronized (attributes) {
                attributes.putAll(last);
            }
            report(state, detail);
        }
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        if (registration != null) {
            registration.unregister();
        }
        opener.interrupt();
        opener.join(timeout.plusSeconds(5).toMillis());
        actions.shutdownNow();
        actions.awaitTermination(timeout.plusSeconds(5).toMillis(), TimeUnit.MILLISECONDS);
        ControlNode c = control;
        if (c != null) {
            c.close();
        }
        RemoteDevice d = device;
        if (d != null) {
            d.close();
        }
        board.remove(id);
    }
}
