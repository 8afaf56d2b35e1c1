package org.enbd.transport.raw.internal;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import org.enbd.api.NbdException;
import org.enbd.api.control.Status;
import org.enbd.api.control.StatusBoard;
import org.enbd.api.layer.Export;
import org.enbd.api.layer.ExportContext;
import org.enbd.api.layer.ExportEvent;
import org.enbd.api.layer.Layer;
import org.enbd.api.layer.SessionContext;
import org.enbd.api.stream.Listener;
import org.enbd.api.stream.StreamAddress;
import org.enbd.api.stream.Transport;
import org.enbd.api.stream.TransportRegistry;
import org.enbd.server.ExportDirectory;
import org.enbd.server.LayeredExport;
import org.enbd.server.NbdServer;
import org.enbd.server.ServerLimits;
import org.enbd.transport.raw.aoe.AoeFrames;
import org.enbd.transport.raw.aoe.AoeHeader;
import org.enbd.transport.raw.aoe.AoeMessage;
import org.enbd.transport.raw.initiator.AoeDeviceLayer;
import org.enbd.transport.raw.initiator.AoeInitiator;
import org.enbd.transport.raw.initiator.AoeUri;
import org.enbd.transport.raw.initiator.InitiatorOptions;
import org.enbd.transport.raw.packet.PacketException;
import org.enbd.transport.raw.packet.PacketPort;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code enbd client aoe://IFACE/SHELF.SLOT --serve ...}: an AoE initiator for one remote device, served again
 * locally over NBD by the server engine (the device as the export {@code eSHELF.SLOT} and as the default export).
 * Owns the interface's packet port, the initiator's engine thread and a setup thread that waits for a target to
 * answer the config query (STARTING until one does: the launcher's start timeout turns a silent segment into an
 * error naming the device), all joined on deactivate.
 */
@Component(configurationPid = AoeEndpointComponent.PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = {})
@Designate(ocd = AoeEndpointComponent.Config.class, factory = true)
public final class AoeEndpointComponent {
    static final String PID = "org.enbd.transport.raw.aoe.endpoint";
    private static final Logger LOG = LoggerFactory.getLogger(AoeEndpointComponent.class);

    @ObjectClassDefinition(name = "ENBD AoE client endpoint",
            description = "A remote ATA over Ethernet device served again locally over NBD")
    public @interface Config {
        @AttributeDefinition(name = "Device", description = "aoe://IFACE/SHELF.SLOT")
        String uri();

        @AttributeDefinition(name = "Serve", description = "Where the device is served: nbd://HOST:PORT or "
                + "nbd+unix:///?socket=PATH")
        String serve();

        @AttributeDefinition(name = "Frames in flight",
                description = "Frames in flight at most (the target's buffer count lowers it)")
        int window() default 64;

        @AttributeDefinition(name = "Dead time (ms)",
                description = "Milliseconds requests wait while the target answers nothing before "
                + "they fail with EIO; 0 waits for ever")
        long deadTimeMs() default 0;
    }

    private final StatusBoard status;
    private final TransportRegistry transports;
    private final String id;
    private final Config config;
    private AoeUri uri;
    private PacketPort port;
    private AoeInitiator initiator;
    private Thread setup;
    private NbdServer server;
    private Listener listener;
    private volatile boolean active;

    @Activate
    public AoeEndpointComponent(@Reference StatusBoard status, @Reference TransportRegistry transports,
                                Config config, Map<String, Object> properties) {
        this.status = status;
        this.transports = transports;
        this.config = config;
        this.id = String.valueOf(properties.getOrDefault("service.pid", "aoe-client:" + config.uri()));
        active = true;
        StreamAddress serveAt;
        InitiatorOptions options;
        try {
            uri = AoeUri.parse(config.uri());
            serveAt = StreamAddress.parse(config.serve());
            options = InitiatorOptions.DEFAULT.withWindow(config.window())
                    .withDeadTime(java.time.Duration.ofMillis(config.deadTimeMs()));
        } catch (IllegalArgumentException e) {
            report(Status.State.FAILED, e.getMessage());
            return;
        }
        try {
            port = PacketPort.open(uri.interfaceName(), AoeHeader.ETHER_TYPE,
                    AoeFrames.ATA_HEADERS + AoeMessage.Ata.SECTOR, "enbd-aoe-" + uri.interfaceName());
        } catch (PacketException e) {
            report(Status.State.FAILED, e.getMessage());
            return;
        }
        initiator = new AoeInitiator(port.netInterface().mac(), port.netInterface().mtu(), uri.address().shelf(),
                uri.address().slot(), port::send, options);
        port.start(initiator::receive);
        report(Status.State.STARTING, "asking who serves " + initiator.device() + " on " + uri.interfaceName()
                + " (config query to broadcast; no target has answered yet)");
        setup = Thread.ofPlatform().name("enbd-aoe-endpoint-" + initiator.device()).start(() -> serve(serveAt));
    }

    /** On the setup thread: waits for the target, asks its size, then serves it. */
    private void serve(StreamAddress serveAt) {
        try {
            AoeInitiator.Target target = initiator.target().get();
            AoeDeviceLayer device = AoeDeviceLayer.of(initiator, initiator.identify().get());
            Transport transport = transports.forAddress(serveAt).orElseThrow(() -> new IOException(
                    "no transport serves " + serveAt.scheme() + "://"));
            LayeredExport export = LayeredExport.of(initiator.device(), device, false);
            List<Export> exports = List.of(export, new DefaultName(export));
            synchronized (this) {
                if (!active) {
                    return;
                }
                server = new NbdServer(ExportDirectory.of(exports), ServerLimits.DEFAULT);
                listener = server.listen(transport, serveAt);
            }
            report(Status.State.UP, "AoE " + initiator.device() + " on " + uri.interfaceName() + " (target "
                    + target.mac() + ", " + target.sectorsPerFrame() + " sectors per frame, " + device.size()
                    + " bytes) served on " + listener.localAddress());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            if (active) {
                report(Status.State.FAILED, "AoE " + initiator.device() + ": " + e.getCause().getMessage());
            }
        } catch (IOException | RuntimeException e) {
            if (active) {
                report(Status.State.FAILED, "serving AoE " + initiator.device() + " on " + config.serve() + ": "
                        + e.getMessage());
            }
        }
    }

    @Deactivate
    void deactivate() {
        synchronized (this) {
            active = false;
        }
        if (setup != null) {
            setup.interrupt();
            join(setup);
        }
        synchronized (this) {
            if (listener != null) {
                listener.close();
            }
            if (server != null) {
                server.close();
            }
        }
        if (initiator != null) {
            initiator.close();
        }
        if (port != null) {
            try {
                port.close();
            } catch (PacketException e) {
                LOG.warn("closing the AoE port: {}", e.getMessage());
            }
        }
        status.report(Status.of(id, "device", Status.State.STOPPED, "AoE client " + config.uri() + " removed"));
        status.remove(id);
    }

    private static void join(Thread thread) {
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void report(Status.State state, String detail) {
        Map<String, Object> attributes = new HashMap<>();
        if (initiator != null) {
            attributes.putAll(initiator.counters());
        }
        status.report(new Status(id, "device", state, detail, attributes, null));
    }

    /** The device again as the default export "", so nbd://HOST:PORT with no name opens it. */
    private record DefaultName(Export target) implements Export {
        @Override
        public ExportContext context() {
            ExportContext t = target.context();
            return new ExportContext("", t.readOnly(), t.parameters());
        }

        @Override
        public String description() {
            return target.description();
        }

        @Override
        public Layer open(SessionContext session) throws NbdException {
            return target.open(session);
        }

        @Override
        public AutoCloseable events(Consumer<ExportEvent> listener) {
            return target.events(listener);
        }
    }
}
