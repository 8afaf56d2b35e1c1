package org.enbd.itest.aoe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.enbd.api.layer.Export;
import org.enbd.api.layer.Layer;
import org.enbd.api.layer.SessionContext;
import org.enbd.api.stream.StreamAddress;
import org.enbd.backend.memory.internal.MemoryLayer;
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
import org.enbd.transport.raw.packet.PacketPort;
import org.enbd.transport.raw.packet.VethPair;
import org.enbd.transport.raw.target.AoeTarget;
import org.enbd.transport.raw.target.RecentWrites;
import org.enbd.transport.raw.target.TargetSlot;
import org.enbd.transport.tcp.internal.TcpTransport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ENBD-J's AoE initiator served again over NBD (as {@code enbd client aoe://IFACE/1.0 --serve unix:PATH} does)
 * across a veth pair between two namespaces of the test's own, with nbdcopy writing through the endpoint: the
 * data lands byte for byte in vblade's file, and in ENBD-J's own target. Needs root, vblade and nbdcopy; skips
 * with the reason otherwise (CI has all three).
 */
class AoeEndpointTest {
    private static final int MIN_MTU = AoeFrames.ATA_HEADERS + AoeMessage.Ata.SECTOR;
    private static final int IMAGE = 16 << 20;

    @TempDir
    Path dir;
    private final List<AutoCloseable> open = new ArrayList<>();
    private VethPair pair;
    private Process vblade;

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open.reversed()) {
            c.close();
        }
        if (vblade != null) {
            vblade.destroy();
            vblade.waitFor();
        }
        if (pair != null) {
            pair.close();
        }
    }

    @Test
    void aCopyThroughTheEndpointLandsByteForByteInVbladesFile() throws Exception {
        require("vblade");
        require("nbdcopy");
        pair = VethPair.create(1500);
        Path disk = dir.resolve("vblade.img");
        try (var file = new java.io.RandomAccessFile(disk.toFile(), "rw")) {
            file.setLength(64 << 20);
        }
        vblade = new ProcessBuilder("ip", "netns", "exec", pair.targetNamespace, "vblade", "1", "0",
                pair.targetInterface, disk.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("vblade.log").toFile()).start();
        Path socket = serveInitiator(InitiatorOptions.DEFAULT);
        byte[] image = random(IMAGE, 11);
        Path source = dir.resolve("source.img");
        Files.write(source, image);
        nbdcopy(source.toString(), "nbd+unix:///?socket=" + socket);
        byte[] landed = Arrays.copyOf(Files.readAllBytes(disk), IMAGE);
        assertArrayEquals(image, landed, "vblade's file differs from what was copied");
    }

    @Test
    void aCopyThroughTheEndpointLandsInEnbdJsTargetAndReadsBackEqual() throws Exception {
        require("nbdcopy");
        pair = VethPair.create(9000);
        MemoryLayer memory = new MemoryLayer(64 << 20, false);
        LayeredExport export = LayeredExport.of("disk", memory, false);
        open.add(export);
        Layer layer = export.open(SessionContext.plain(export.context(), "aoe:test"));
        PacketPort port = VethPair.inNamespace(pair.targetNamespace, () -> PacketPort.open(pair.targetInterface,
                AoeHeader.ETHER_TYPE, MIN_MTU, "enbd-aoe-itest-target"));
        open.add(port);
        AoeTarget target = new AoeTarget(port.netInterface().mac(), port.netInterface().mtu(), port::send,
                new RecentWrites(65536));
        target.serve(new TargetSlot(1, 0, "disk", layer, memory.size() / 512, true));
        port.start(target::receive);
        Path socket = serveInitiator(InitiatorOptions.DEFAULT);
        byte[] image = random(IMAGE, 12);
        Path source = dir.resolve("source.img");
        Files.write(source, image);
        nbdcopy(source.toString(), "nbd+unix:///?socket=" + socket);
        ByteBuf stored = memory.read(0, IMAGE, 0, ByteBufAllocator.DEFAULT).toCompletableFuture().join();
        byte[] landed = new byte[IMAGE];
        stored.readBytes(landed);
        stored.release();
        assertArrayEquals(image, landed);
        Path back = dir.resolve("back.img");
        nbdcopy("nbd+unix:///?socket=" + socket, back.toString());
        assertArrayEquals(image, Arrays.copyOf(Files.readAllBytes(back), IMAGE));
    }

    /** The initiator in the initiator's namespace, served over NBD on a Unix socket, as the client endpoint. */
    private Path serveInitiator(InitiatorOptions options) throws Exception {
        PacketPort port = VethPair.inNamespace(pair.initiatorNamespace, () -> PacketPort.open(pair.initiatorInterface,
                AoeHeader.ETHER_TYPE, MIN_MTU, "enbd-aoe-itest-initiator"));
        open.add(port);
        AoeInitiator initiator = new AoeInitiator(port.netInterface().mac(), port.netInterface().mtu(), 1, 0,
                port::send, options);
        port.start(initiator::receive);
        open.add(initiator);
        initiator.target().get(60, TimeUnit.SECONDS);
        AoeDeviceLayer device = AoeDeviceLayer.of(initiator, initiator.identify().get(60, TimeUnit.SECONDS));
        LayeredExport export = LayeredExport.of("e1.0", device, false);
        open.add(export);
        NettyEventLoops loops = new NettyEventLoops(2);
        open.add(loops);
        NbdServer server = new NbdServer(ExportDirectory.of(List.<Export>of(export)), ServerLimits.DEFAULT);
        open.add(server);
        Path socket = dir.resolve("e1.0.sock");
        open.add(server.listen(new TcpTransport(loops), StreamAddress.unix(socket.toString(), "")));
        return socket;
    }

    private static void nbdcopy(String from, String to) throws IOException, InterruptedException {
        // the export's name is e1.0: nbdcopy asks for it by the URI's path
        String f = from.replace("nbd+unix:///?", "nbd+unix:///e1.0?");
        String t = to.replace("nbd+unix:///?", "nbd+unix:///e1.0?");
        Process copy = new ProcessBuilder("nbdcopy", f, t).redirectErrorStream(true).start();
        String output = new String(copy.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, copy.waitFor(), "nbdcopy " + f + " " + t + ": " + output);
    }

    private static void require(String tool) {
        boolean found = Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .anyMatch(d -> new File(d, tool).canExecute())
                || new File("/usr/sbin/" + tool).canExecute();
        assumeTrue(found, tool + " is not installed: skipping (CI installs it)");
    }

    private static byte[] random(int length, long seed) {
        byte[] out = new byte[length];
        new Random(seed).nextBytes(out);
        return out;
    }
}
