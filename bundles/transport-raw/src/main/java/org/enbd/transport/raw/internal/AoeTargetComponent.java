package org.enbd.transport.raw.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.enbd.api.NbdException;
import org.enbd.api.control.Status;
import org.enbd.api.control.StatusBoard;
import org.enbd.api.layer.Export;
import org.enbd.api.layer.ExportEvent;
import org.enbd.api.layer.Layer;
import org.enbd.api.layer.SessionContext;
import org.enbd.transport.raw.aoe.AoeFrames;
import org.enbd.transport.raw.aoe.AoeHeader;
import org.enbd.transport.raw.aoe.AoeMessage;
import org.enbd.transport.raw.packet.NetInterface;
import org.enbd.transport.raw.packet.PacketException;
import org.enbd.transport.raw.packet.PacketPort;
import org.enbd.transport.raw.target.AoeAddress;
import org.enbd.transport.raw.target.AoeTarget;
import org.enbd.transport.raw.target.RecentWrites;
import org.enbd.transport.raw.target.TargetSlot;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An AoE target on one interface ({@code enbd server --listen aoe:IFACE}): serves every {@link Export} whose
 * {@code aoe=SHELF.SLOT} parameter names an address, through the export's own request path (its features over
 * its backend). Owns the interface's packet port and its receiver thread, joined when the component goes.
 * Reports STARTING until an export is served, UP with the devices, FAILED with what is wrong with the interface.
 */
@Component(configurationPid = AoeTargetComponent.PID, configurationPolicy = ConfigurationPolicy.REQUIRE, service = {})
@Designate(ocd = AoeTargetComponent.Config.class, factory = true)
public final class AoeTargetComponent {
    static final String PID = "org.enbd.transport.raw.aoe.target";
    /** The export parameter that serves an export over AoE. */
    static final String ADDRESS_PARAMETER = "aoe";
    private static final Logger LOG = LoggerFactory.getLogger(AoeTargetComponent.class);

    @ObjectClassDefinition(name = "ENBD AoE target", description = "Serves exports with aoe=SHELF.SLOT as ATA over "
            + "Ethernet devices on one network interface (raw frames, EtherType 0x88A2; needs CAP_NET_RAW)")
    public @interface Config {
        @AttributeDefinition(name = "Interface", description = "The network interface, e.g. eth0")
        String interfaceName();

        @AttributeDefinition(name = "Recent writes", description = "WRITEs remembered by (initiator, tag), so that "
                + "a retransmitted copy is answered without being applied again")
        int recentWrites() default 65536;
    }

    /** One served export: what was opened for it, to close. */
    private record Binding(AoeAddress address, Layer layer, AutoCloseable events) {
    }

    private final StatusBoard status;
    private final String id;
    private final String interfaceName;
    private final Map<Export, Binding> bindings = new HashMap<>();
    private final Map<Export, String> refused = new LinkedHashMap<>();
    private final List<Export> pending = new ArrayList<>();
    private PacketPort port;
    private AoeTarget target;
    private boolean active;

    @Activate
    public AoeTargetComponent(@Reference StatusBoard status, Config config, Map<String, Object> properties) {
        this.status = status;
        this.interfaceName = config.interfaceName();
        this.id = String.valueOf(properties.getOrDefault("service.pid", "aoe:" + interfaceName));
        synchronized (this) {
            active = true;
            RecentWrites recent;
            try {
                recent = new RecentWrites(config.recentWrites());
            } catch (IllegalArgumentException e) {
                report(Status.State.FAILED, "recentWrites: " + e.getMessage());
                return;
            }
            try {
                port = PacketPort.open(interfaceName, AoeHeader.ETHER_TYPE,
                        AoeFrames.ATA_HEADERS + AoeMessage.Ata.SECTOR, "enbd-aoe-" + interfaceName);
            } catch (PacketException e) {
                report(Status.State.FAILED, e.getMessage());
                return;
            }
            NetInterface at = port.netInterface();
            target = new AoeTarget(at.mac(), at.mtu(), port::send, recent);
            port.start(target::receive);
            List<Export> waiting = List.copyOf(pending);
            pending.clear();
            waiting.forEach(this::serve);
            reportServing();
        }
    }

    @Reference(name = "exports", cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    synchronized void bindExport(Export export) {
        if (!active || target == null) {
            pending.add(export);
            return;
        }
        serve(export);
        reportServing();
    }

    synchronized void unbindExport(Export export) {
        pending.remove(export);
        boolean changed = refused.remove(export) != null;
        Binding binding = bindings.remove(export);
        if (binding != null) {
            target.withdraw(binding.address());
            close(binding);
            changed = true;
        }
        if (changed && active && target != null) {
            reportServing();
        }
    }

    @Deactivate
    synchronized void deactivate() {
        active = false;
        if (port != null) {
            try {
                port.close();
            } catch (PacketException e) {
                LOG.warn("closing the AoE port on {}: {}", interfaceName, e.getMessage());
            }
        }
        bindings.values().forEach(AoeTargetComponent::close);
        bindings.clear();
        status.report(Status.of(id, "listener", Status.State.STOPPED, "AoE target on " + interfaceName + " removed"));
        status.remove(id);
    }

    /** Serves an export that names an AoE address; exports without one are not this target's. */
    private void serve(Export export) {
        String text = export.context().parameters().get(ADDRESS_PARAMETER);
        if (text == null) {
            return;
        }
        String name = export.context().exportName();
        AoeAddress address;
        Layer layer = null;
        try {
            address = AoeAddress.parse(text.trim());
            layer = export.open(SessionContext.plain(export.context(), "aoe:" + interfaceName));
            long sectors = layer.size() / AoeMessage.Ata.SECTOR;
            boolean writable = layer.capabilities().writable() && !export.context().readOnly();
            target.serve(new TargetSlot(address.shelf(), address.slot(), name, layer, sectors, writable));
        } catch (IllegalArgumentException | NbdException e) {
            if (layer != null) {
                layer.close();
            }
            refused.put(export, "export '" + name + "': " + e.getMessage());
            LOG.warn("AoE target on {} does not serve export '{}': {}", interfaceName, name, e.getMessage());
            return;
        }
        AoeAddress served = address;
        AutoCloseable events = export.events(event -> {
            if (event instanceof ExportEvent.SizeChanged size) {
                target.resize(served, size.size() / AoeMessage.Ata.SECTOR);
            }
        });
        bindings.put(export, new Binding(address, layer, events));
    }

    private void reportServing() {
        NetInterface at = port.netInterface();
        String where = "AoE target on " + at.name() + " (" + at.mac() + ", MTU " + at.mtu() + ", "
                + target.sectorsPerFrame() + " sectors per frame)";
        List<String> devices = target.served().stream()
                .map(slot -> slot.device() + " (export '" + slot.name() + "'" + (slot.writable() ? "" : ", read-only")
                        + ")")
                .sorted().toList();
        String problems = refused.isEmpty() ? "" : "; not served: " + String.join("; ", refused.values());
        if (devices.isEmpty()) {
            report(refused.isEmpty() ? Status.State.STARTING : Status.State.FAILED,
                    where + ": waiting for an export with aoe=SHELF.SLOT" + problems);
        } else {
            report(refused.isEmpty() ? Status.State.UP : Status.State.DEGRADED,
                    where + ": " + String.join(", ", devices) + problems);
        }
    }

    private static void close(Binding binding) {
        try {
            binding.events().close();
        } catch (Exception e) {
            LOG.debug("closing an export's event subscription", e);
        }
        binding.layer().close();
    }

    private void report(Status.State state, String detail) {
        status.report(new Status(id, "listener", state, detail, target == null ? Map.of() : Map.copyOf(
                target.counters()), null));
    }
}
