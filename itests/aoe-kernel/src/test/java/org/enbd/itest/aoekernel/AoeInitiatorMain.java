package org.enbd.itest.aoekernel;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.enbd.api.NbdException;
import org.enbd.api.layer.Export;
import org.enbd.api.layer.ExportContext;
import org.enbd.api.layer.ExportEvent;
import org.enbd.api.layer.ForwardingLayer;
import org.enbd.api.layer.Layer;
import org.enbd.api.layer.SessionContext;
import org.enbd.api.stream.StreamAddress;
import org.enbd.runtime.internal.NettyEventLoops;
import org.enbd.server.ExportDirectory;
import org.enbd.server.LayeredExport;
import org.enbd.server.NbdServer;
import org.enbd.server.ServerLimits;
import org.enbd.transport.raw.aoe.AoeFrames;
import org.enbd.transport.raw.aoe.AoeHeader;
import org.enbd.transport.raw.aoe.AoeMessage;
import org.enbd.transport.raw.initiator.AoeDeviceLayer;
import org.enbd.transport.raw.initiator.AoeInitiator;
import org.enbd.transport.raw.initiator.InitiatorOptions;
import org.enbd.transport.raw.packet.MacAddress;
import org.enbd.transport.raw.packet.NetInterface;
import org.enbd.transport.raw.packet.PacketPort;
import org.enbd.transport.raw.target.AoeAddress;
import org.enbd.transport.raw.target.AoeTarget;
import org.enbd.transport.raw.target.RecentWrites;
import org.enbd.transport.raw.target.TargetSlot;
import org.enbd.transport.tcp.internal.TcpTransport;

/**
 * ENBD-J's AoE initiator served again over NBD on a Unix socket, as {@code enbd client aoe://IFACE/SHELF.SLOT
 * --serve unix:PATH} wires it (AoeEndpointComponent: the initiator on a packet port, its device as the export
 * {@code eSHELF.SLOT} and as the default export), in plain Java because the framework starts too slowly under
 * emulation. The netem scenario (aoe-netem-guest.sh) copies and rewrites through it.
 * <pre>
 *   AoeInitiatorMain IFACE SHELF.SLOT SOCKET   prints "AoE initiator on IFACE ... served on ..." when serving,
 *                                              runs until SIGTERM, then prints "AoE initiator counters:
 *                                              writeFrames=N ..." (the WRITE frames its requests were cut into,
 *                                              each counted once however often it was sent)
 * </pre>
 */
public final class AoeInitiatorMain {
    private AoeInitiatorMain() {
    }

    public static void main(String[] args) throws Exception {
        AoeAddress address = AoeAddress.parse(args[1]);
        PacketPort port = PacketPort.open(args[0], AoeHeader.ETHER_TYPE, AoeFrames.ATA_HEADERS
                + AoeMessage.Ata.SECTOR, "enbd-aoe-" + args[0]);
        NetInterface at = port.netInterface();
        AoeInitiator initiator = new AoeInitiator(at.mac(), at.mtu(), address.shelf(), address.slot(), port::send,
                InitiatorOptions.DEFAULT);
        port.start(initiator::receive);
        AoeInitiator.Target target = initiator.target().get(120, TimeUnit.SECONDS);
        AoeDeviceLayer device = AoeDeviceLayer.of(initiator, initiator.identify().get(120, TimeUnit.SECONDS));
        AtomicLong writeFrames = new AtomicLong();
        Layer counted = counting(device, target.sectorsPerFrame(), writeFrames);
        NettyEventLoops loops = new NettyEventLoops(1);
        LayeredExport export = LayeredExport.of(initiator.device(), counted, false);
        NbdServer server = new NbdServer(ExportDirectory.of(List.of(export, new DefaultName(export))),
                ServerLimits.DEFAULT);
        var listener = server.listen(new TcpTransport(loops), StreamAddress.unix(args[2], ""));
        System.out.println("enbd: AoE initiator on " + at.name() + " (" + at.mac() + ", MTU " + at.mtu() + "): "
                + initiator.device() + " (target " + target.mac() + ", " + target.sectorsPerFrame()
                + " sectors per frame, " + device.size() + " bytes) served on " + listener.localAddress());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            Map<String, Object> c = initiator.counters();
            System.out.println("enbd: AoE initiator counters: writeFrames=" + writeFrames.get() + " framesSent="
                    + c.get("framesSent") + " retransmissions=" + c.get("retransmissions") + " strayResponses="
                    + c.get("strayResponses") + " smoothedRttMicros=" + c.get("smoothedRttMicros"));
            listener.close();
            server.close();
            initiator.close();
            try {
                port.close();
                loops.close();
            } catch (Exception e) {
                e.printStackTrace();
            }
        }));
        Thread.currentThread().join();
    }

    /** The device, counting the WRITE frames the initiator cuts each write into (as AoeInitiator splits). */
    private static Layer counting(Layer device, int sectorsPerFrame, AtomicLong frames) {
        return new ForwardingLayer(device) {
            @Override
            public CompletionStage<Void> write(long offset, ByteBuf data, int flags) {
                int sectors = data.readableBytes() / AoeMessage.Ata.SECTOR;
                frames.addAndGet((sectors + sectorsPerFrame - 1) / sectorsPerFrame);
                return next.write(offset, data, flags);
            }
        };
    }

    /**
     * For the AOT cache on the host: an initiator wired to an in-process target (no socket), its device read and
     * written through the same layers, and an NBD server listening on a Unix socket.
     */
    static void train(Layer storage) throws Exception {
        MacAddress own = MacAddress.parse("02:00:00:00:00:01");
        MacAddress far = MacAddress.parse("02:00:00:00:00:02");
        AtomicReference<AoeInitiator> to = new AtomicReference<>();
        AoeTarget target = new AoeTarget(far, 1500, frame -> {
            to.get().receive(copy(frame));
            return true;
        }, new RecentWrites(1024));
        AoeInitiator initiator = new AoeInitiator(own, 1500, 1, 0, frame -> {
            target.receive(copy(frame));
            return true;
        }, InitiatorOptions.DEFAULT);
        to.set(initiator);
        target.serve(new TargetSlot(1, 0, "disk", storage, storage.size() / 512, true));
        AoeInitiator.Target found = initiator.target().get(30, TimeUnit.SECONDS);
        AoeDeviceLayer device = AoeDeviceLayer.of(initiator, initiator.identify().get(30, TimeUnit.SECONDS));
        Layer counted = counting(device, found.sectorsPerFrame(), new AtomicLong());
        byte[] data = new byte[64 << 10];
        new Random(1).nextBytes(data);
        for (int i = 0; i < 16; i++) {
            counted.write(i * (long) data.length, io.netty.buffer.Unpooled.wrappedBuffer(data), 0)
                    .toCompletableFuture().get(30, TimeUnit.SECONDS);
            ByteBuf back = counted.read(i * (long) data.length, data.length, 0, ByteBufAllocator.DEFAULT)
                    .toCompletableFuture().get(30, TimeUnit.SECONDS);
            back.release();
        }
        counted.flush(0).toCompletableFuture().get(30, TimeUnit.SECONDS);
        Path dir = Files.createTempDirectory("enbd-aoe-train");
        try (NettyEventLoops loops = new NettyEventLoops(1)) {
            LayeredExport export = LayeredExport.of(initiator.device(), counted, false);
            NbdServer server = new NbdServer(ExportDirectory.of(List.of(export, new DefaultName(export))),
                    ServerLimits.DEFAULT);
            server.listen(new TcpTransport(loops), StreamAddress.unix(dir.resolve("s").toString(), "")).close();
            server.close();
        }
        initiator.close();
        Files.deleteIfExists(dir.resolve("s"));
        Files.delete(dir);
    }

    private static ByteBuffer copy(ByteBuffer frame) {
        ByteBuffer c = ByteBuffer.allocate(frame.remaining());
        c.put(frame.duplicate()).flip();
        return c;
    }

    /** The device again as the default export "", so nbd+unix:///?socket=PATH with no name opens it. */
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
        public AutoCloseable events(java.util.function.Consumer<ExportEvent> listener) {
            return target.events(listener);
        }
    }
}
