package org.enbd.itest.aoekernel;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import org.enbd.api.layer.ExportContext;
import org.enbd.api.layer.ExportEvents;
import org.enbd.api.layer.ForwardingLayer;
import org.enbd.api.layer.Layer;
import org.enbd.api.layer.SessionContext;
import org.enbd.backend.file.internal.FileBackendFactory;
import org.enbd.server.LayeredExport;
import org.enbd.transport.raw.aoe.AoeCommand;
import org.enbd.transport.raw.aoe.AoeFrames;
import org.enbd.transport.raw.aoe.AoeHeader;
import org.enbd.transport.raw.aoe.AoeMessage;
import org.enbd.transport.raw.aoe.AtaCommand;
import org.enbd.transport.raw.packet.MacAddress;
import org.enbd.transport.raw.packet.NetInterface;
import org.enbd.transport.raw.packet.PacketPort;
import org.enbd.transport.raw.target.AoeAddress;
import org.enbd.transport.raw.target.AoeTarget;
import org.enbd.transport.raw.target.RecentWrites;
import org.enbd.transport.raw.target.TargetSlot;

/**
 * The AoE target as the distribution wires it (a file export's layer, the target on a packet port), in plain Java:
 * the guest restarts the target with it after the kill, because the framework starts too slowly under emulation
 * to be back before the test's budget (aoe.ko itself waits 180 s).
 * The netem scenario (aoe-netem-guest.sh) runs it as the target of ENBD-J's initiator (AoeInitiatorMain).
 * <pre>
 *   AoeTargetMain IFACE FILE SHELF.SLOT [RECENT]   prints "AoE target on IFACE ..." when serving, runs until
 *                                                  SIGTERM, then prints "AoE target counters: writesApplied=N
 *                                                  duplicateWrites=N ..." (writes that reached the file, copies
 *                                                  recognised). RECENT: the writes remembered by (initiator, tag),
 *                                                  65536 as the server's default; 1 all but turns the dedupe off
 *                                                  (only the newest write is remembered): the by-hand run that
 *                                                  shows the netem scenario's checks fail without it
 *   AoeTargetMain train                            on the host: the same classes without a socket, and ENBD-J's
 *                                                  initiator served over NBD, for an AOT cache
 * </pre>
 */
public final class AoeTargetMain {
    private AoeTargetMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args[0].equals("train")) {
            train();
            return;
        }
        AoeAddress address = AoeAddress.parse(args[2]);
        int recent = args.length > 3 ? Integer.parseInt(args[3]) : 65536;
        LayeredExport export = open(args[1]);
        Layer file = export.open(SessionContext.plain(export.context(), "aoe:" + args[0]));
        AtomicLong applied = new AtomicLong();
        Layer layer = new ForwardingLayer(file) { // counts the writes that reach the file: one per AoE frame
            @Override
            public CompletionStage<Void> write(long offset, ByteBuf data, int flags) {
                applied.incrementAndGet();
                return next.write(offset, data, flags);
            }
        };
        PacketPort port = PacketPort.open(args[0], AoeHeader.ETHER_TYPE, AoeFrames.ATA_HEADERS + 512,
                "enbd-aoe-" + args[0]);
        NetInterface at = port.netInterface();
        AoeTarget target = new AoeTarget(at.mac(), at.mtu(), port::send, new RecentWrites(recent));
        port.start(target::receive);
        target.serve(new TargetSlot(address.shelf(), address.slot(), "disk", layer, layer.size() / 512, true));
        System.out.println("enbd: AoE target on " + at.name() + " (" + at.mac() + ", MTU " + at.mtu() + "): e"
                + address + (recent == 65536 ? "" : ", " + recent + " recent writes remembered"));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("enbd: AoE target counters: writesApplied=" + applied.get() + " duplicateWrites="
                    + target.counters().get("duplicateWrites") + " requests=" + target.counters().get("requests")
                    + " lostResponses=" + target.counters().get("lostResponses"));
            try {
                port.close();
            } catch (Exception e) {
                e.printStackTrace();
            }
            file.close();
            export.close();
        }));
        Thread.currentThread().join();
    }

    static LayeredExport open(String file) throws Exception {
        ExportContext context = new ExportContext("disk", false, Map.of());
        return LayeredExport.of("disk", new FileBackendFactory().open(file, context, ExportEvents.NONE), false);
    }

    /** Config query, IDENTIFY, writes and reads through a file export, with no socket. */
    private static void train() throws Exception {
        Path image = Files.createTempFile("enbd-aoe-train", ".img");
        try (var f = new java.io.RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(4 << 20);
        }
        LayeredExport export = open(image.toString());
        Layer layer = export.open(SessionContext.plain(export.context(), "train"));
        MacAddress own = MacAddress.parse("02:00:00:00:00:02");
        MacAddress initiator = MacAddress.parse("02:00:00:00:00:01");
        AoeTarget target = new AoeTarget(own, 1500, frame -> true, new RecentWrites(1024));
        target.serve(new TargetSlot(1, 0, "disk", layer, layer.size() / 512, true));
        target.receive(AoeFrames.encode(new AoeMessage.Config(AoeHeader.request(MacAddress.BROADCAST, initiator,
                0xFFFF, 0xFF, AoeCommand.CONFIG, 1), 0, 0, 0, 1, 0, new byte[0])));
        for (int tag = 0; tag < 2000; tag++) {
            AtaCommand command = tag == 0 ? AtaCommand.IDENTIFY_DEVICE
                    : tag % 2 == 0 ? AtaCommand.READ_SECTORS_EXT : AtaCommand.WRITE_SECTORS_EXT;
            target.receive(AoeFrames.encode(new AoeMessage.Ata(AoeHeader.request(own, initiator, 1, 0,
                    AoeCommand.ATA, tag), command.isWrite() ? 0x41 : 0x40, 0, command == AtaCommand.IDENTIFY_DEVICE
                    ? 1 : 2, command.value(), tag % 1000, ByteBuffer.allocate(command.isWrite() ? 1024 : 0))));
        }
        Thread.sleep(500); // the file backend's writes complete on its threads
        AoeInitiatorMain.train(layer);
        layer.close();
        export.close();
        Files.delete(image);
    }
}
