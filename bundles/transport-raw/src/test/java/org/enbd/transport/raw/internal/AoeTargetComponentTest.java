package org.enbd.transport.raw.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.annotation.Annotation;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.enbd.api.control.Status;
import org.enbd.api.layer.ExportContext;
import org.enbd.api.layer.ExportEvent;
import org.enbd.backend.memory.internal.MemoryLayer;
import org.enbd.runtime.internal.MemoryStatusBoard;
import org.enbd.server.ExportEventHub;
import org.enbd.server.LayeredExport;
import org.enbd.transport.raw.aoe.AoeFrames;
import org.enbd.transport.raw.aoe.AoeHeader;
import org.enbd.transport.raw.aoe.AoeMessage;
import org.enbd.transport.raw.initiator.AoeInitiator;
import org.enbd.transport.raw.initiator.InitiatorOptions;
import org.enbd.transport.raw.packet.PacketPort;
import org.enbd.transport.raw.packet.VethPair;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The target component as SCR drives it (constructor, bind, unbind, deactivate) on one end of a veth pair, with an
 * initiator on the other: exports with aoe= are served, their status says so, a wrong or taken address is
 * reported, a size event reaches IDENTIFY, and the receiver thread is gone after deactivate. Needs root.
 */
class AoeTargetComponentTest {
    private static final String PID = "org.enbd.transport.raw.aoe.target~test";
    private final MemoryStatusBoard status = new MemoryStatusBoard();
    private VethPair pair;
    private AoeTargetComponent component;
    private PacketPort initiatorPort;
    private AoeInitiator initiator;

    @AfterEach
    void close() throws Exception {
        if (initiator != null) {
            initiator.close();
        }
        if (initiatorPort != null) {
            initiatorPort.close();
        }
        if (component != null) {
            component.deactivate();
        }
        if (pair != null) {
            pair.close();
        }
    }

    @Test
    void servesTheExportsThatNameAnAddressAndReportsTheOthers() throws Exception {
        pair = VethPair.create(1500);
        component = VethPair.inNamespace(pair.targetNamespace, () -> new AoeTargetComponent(status,
                config(pair.targetInterface), Map.of("service.pid", PID)));
        assertEquals(Status.State.STARTING, status.get(PID).orElseThrow().state());

        ExportEventHub events = new ExportEventHub("export 'disk'");
        MemoryLayer memory = new MemoryLayer(8 << 20, false);
        LayeredExport disk = new LayeredExport(new ExportContext("disk", false, Map.of("aoe", "3.4")), "", memory,
                List.of(), events);
        LayeredExport plain = LayeredExport.of("plain", new MemoryLayer(1 << 20, false), false);
        component.bindExport(plain);
        component.bindExport(disk);
        Status up = status.get(PID).orElseThrow();
        assertEquals(Status.State.UP, up.state(), up.detail());
        assertTrue(up.detail().contains("e3.4 (export 'disk')"), up.detail());
        assertTrue(!up.detail().contains("plain"), up.detail());

        startInitiator(3, 4);
        assertEquals(8L << 20, sectors(initiator.identify().get(30, TimeUnit.SECONDS)) * 512);
        events.publish(new ExportEvent.SizeChanged(16 << 20));
        assertEquals(16L << 20, sectors(initiator.identify().get(30, TimeUnit.SECONDS)) * 512);

        LayeredExport taken = new LayeredExport(new ExportContext("other", false, Map.of("aoe", "3.4")), "",
                new MemoryLayer(1 << 20, false), List.of(), new ExportEventHub("x"));
        LayeredExport wrong = new LayeredExport(new ExportContext("wrong", false, Map.of("aoe", "3")), "",
                new MemoryLayer(1 << 20, false), List.of(), new ExportEventHub("y"));
        component.bindExport(taken);
        component.bindExport(wrong);
        Status degraded = status.get(PID).orElseThrow();
        assertEquals(Status.State.DEGRADED, degraded.state());
        assertTrue(degraded.detail().contains("export 'other': AoE address 3.4 is served twice"), degraded.detail());
        assertTrue(degraded.detail().contains("export 'wrong': aoe=3: expected SHELF.SLOT"), degraded.detail());

        component.unbindExport(taken);
        component.unbindExport(wrong);
        assertEquals(Status.State.UP, status.get(PID).orElseThrow().state(), "the refused exports are gone");
        component.unbindExport(disk);
        assertEquals(Status.State.STARTING, status.get(PID).orElseThrow().state());
        component.deactivate();
        component = null;
        assertTrue(status.get(PID).isEmpty());
        assertTrue(Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().equals("enbd-aoe-" + pair.targetInterface)), "the receiver was joined");
        memory.close();
    }

    @Test
    void anInterfaceThatDoesNotExistFailsTheComponentWithTheReason() throws Exception {
        pair = VethPair.create(1500);
        component = VethPair.inNamespace(pair.targetNamespace, () -> new AoeTargetComponent(status,
                config("enbdnosuch9"), Map.of("service.pid", PID)));
        Status failed = status.get(PID).orElseThrow();
        assertEquals(Status.State.FAILED, failed.state());
        assertTrue(failed.detail().contains("interface enbdnosuch9 does not exist"), failed.detail());
    }

    private void startInitiator(int shelf, int slot) throws Exception {
        initiatorPort = VethPair.inNamespace(pair.initiatorNamespace, () -> PacketPort.open(pair.initiatorInterface,
                AoeHeader.ETHER_TYPE, AoeFrames.ATA_HEADERS + AoeMessage.Ata.SECTOR, "enbd-aoe-test-initiator"));
        initiator = new AoeInitiator(initiatorPort.netInterface().mac(), initiatorPort.netInterface().mtu(), shelf,
                slot, initiatorPort::send, InitiatorOptions.DEFAULT.withDeadTime(Duration.ZERO));
        initiatorPort.start(initiator::receive);
        initiator.target().get(30, TimeUnit.SECONDS);
    }

    private static long sectors(byte[] identify) {
        return ByteBuffer.wrap(identify).order(ByteOrder.LITTLE_ENDIAN).getLong(200);
    }

    private static AoeTargetComponent.Config config(String interfaceName) {
        return new AoeTargetComponent.Config() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return AoeTargetComponent.Config.class;
            }

            @Override
            public String interfaceName() {
                return interfaceName;
            }

            @Override
            public int recentWrites() {
                return 65536;
            }
        };
    }
}
