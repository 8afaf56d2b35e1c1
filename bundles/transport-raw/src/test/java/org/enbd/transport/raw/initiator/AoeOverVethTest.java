package org.enbd.transport.raw.initiator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.layer.ForwardingLayer;
import org.enbd.api.layer.Layer;
import org.enbd.backend.memory.internal.MemoryLayer;
import org.enbd.transport.raw.aoe.AoeFrames;
import org.enbd.transport.raw.aoe.AoeHeader;
import org.enbd.transport.raw.aoe.AoeMessage;
import org.enbd.transport.raw.packet.PacketPort;
import org.enbd.transport.raw.packet.VethPair;
import org.enbd.transport.raw.target.AoeTarget;
import org.enbd.transport.raw.target.FrameSink;
import org.enbd.transport.raw.target.RecentWrites;
import org.enbd.transport.raw.target.TargetSlot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * ENBD-J's initiator against ENBD-J's target across a veth pair between two namespaces of the test's own: copies
 * that compare equal, jumbo frames, lost and duplicated frames (no write applied twice), a delayed copy of an old
 * write that must not land after a newer one, a target that goes away and comes back. Needs root; skips otherwise.
 */
class AoeOverVethTest {
    private static final long SIZE = 16 << 20;
    private static final int MIN_MTU = AoeFrames.ATA_HEADERS + AoeMessage.Ata.SECTOR;

    private final List<AutoCloseable> open = new ArrayList<>();
    private final MemoryLayer memory = new MemoryLayer(SIZE, false);
    private final CountingLayer counting = new CountingLayer(memory);
    private VethPair pair;

    /** Counts the writes that reach the storage. */
    private static final class CountingLayer extends ForwardingLayer {
        final AtomicInteger writes = new AtomicInteger();

        CountingLayer(Layer next) {
            super(next);
        }

        @Override
        public CompletionStage<Void> write(long offset, ByteBuf data, int flags) {
            writes.incrementAndGet();
            return next.write(offset, data, flags);
        }
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open.reversed()) {
            c.close();
        }
        if (pair != null) {
            pair.close();
        }
        memory.close();
    }

    @Test
    void aCopyWithManyRequestsInFlightLandsByteForByte() throws Exception {
        pair = VethPair.create(1500);
        PacketPort targetPort = startTarget(frame -> true);
        AoeInitiator initiator = startInitiator(InitiatorOptions.DEFAULT, frame -> Action.SEND);
        AoeInitiator.Target found = initiator.target().get(30, TimeUnit.SECONDS);
        assertEquals(targetPort.netInterface().mac(), found.mac());
        assertEquals(2, found.sectorsPerFrame());
        AoeDeviceLayer device = AoeDeviceLayer.of(initiator, initiator.identify().get(30, TimeUnit.SECONDS));
        assertEquals(SIZE, device.size());

        byte[] image = random(4 << 20, 1);
        copy(device, image);
        assertArrayEquals(image, read(device, 0, image.length));
        assertArrayEquals(image, stored(0, image.length));
        assertEquals(frames(image.length, 2), counting.writes.get(), "one write per frame of 2 sectors, none twice");
    }

    @Test
    void jumboFramesCarrySeventeenSectors() throws Exception {
        pair = VethPair.create(9000);
        startTarget(frame -> true);
        AoeInitiator initiator = startInitiator(InitiatorOptions.DEFAULT, frame -> Action.SEND);
        assertEquals(17, initiator.target().get(30, TimeUnit.SECONDS).sectorsPerFrame());
        AoeDeviceLayer device = AoeDeviceLayer.of(initiator, initiator.identify().get(30, TimeUnit.SECONDS));
        byte[] image = random(17 * 512 * 40, 2);
        copy(device, image);
        assertArrayEquals(image, stored(0, image.length));
        assertEquals(frames(image.length, 17), counting.writes.get(), "one write per frame of 17 sectors");
    }

    @Test
    void lostAndDuplicatedFramesStillCopyAndNoWriteIsAppliedTwice() throws Exception {
        pair = VethPair.create(1500);
        AtomicInteger responses = new AtomicInteger();
        startTarget(frame -> responses.incrementAndGet() % 7 != 0);          // every 7th response lost
        AtomicInteger requests = new AtomicInteger();
        AoeInitiator initiator = startInitiator(InitiatorOptions.DEFAULT, frame -> {
            int n = requests.incrementAndGet();
            return n % 5 == 0 ? Action.DROP : n % 3 == 0 ? Action.DUPLICATE : Action.SEND;
        });
        initiator.target().get(30, TimeUnit.SECONDS);
        AoeDeviceLayer device = AoeDeviceLayer.of(initiator, identify(initiator));
        byte[] image = random(1 << 20, 3);
        copy(device, image);
        assertArrayEquals(image, read(device, 0, image.length));
        assertArrayEquals(image, stored(0, image.length));
        assertEquals(frames(image.length, 2), counting.writes.get(), "a write frame applied twice");
        assertTrue(((Long) initiator.counters().get("retransmissions")) > 0);
    }

    @Test
    void aDelayedCopyOfAnOldWriteDoesNotLandAfterANewerOne() throws Exception {
        pair = VethPair.create(1500);
        startTarget(frame -> true);
        AtomicReference<ByteBuffer> held = new AtomicReference<>();
        AtomicReference<PacketPort> initiatorPort = new AtomicReference<>();
        AoeInitiator initiator = startInitiator(InitiatorOptions.DEFAULT, frame -> {
            if (isWrite(frame) && held.get() == null) {
                held.set(copyOf(frame)); // the network keeps a copy of the first write for later
            }
            return Action.SEND;
        }, initiatorPort);
        initiator.target().get(30, TimeUnit.SECONDS);
        AoeDeviceLayer device = AoeDeviceLayer.of(initiator, identify(initiator));
        byte[] old = random(1024, 4);
        byte[] newer = random(1024, 5);
        device.write(0, Unpooled.wrappedBuffer(old), 0).toCompletableFuture().get(30, TimeUnit.SECONDS);
        device.write(0, Unpooled.wrappedBuffer(newer), 0).toCompletableFuture().get(30, TimeUnit.SECONDS);
        initiatorPort.get().send(held.get()); // the late copy arrives now
        device.flush(0).toCompletableFuture().get(30, TimeUnit.SECONDS); // answered after the copy was handled
        assertArrayEquals(newer, stored(0, 1024));
        assertEquals(2, counting.writes.get());
    }

    @Test
    void overlappingWritesInFlightLandInTheOrderTheyWereGiven() throws Exception {
        pair = VethPair.create(1500);
        AtomicInteger responses = new AtomicInteger();
        startTarget(frame -> responses.incrementAndGet() != 1); // the first answer is lost: the first write is late
        AoeInitiator initiator = startInitiator(InitiatorOptions.DEFAULT, frame -> Action.SEND);
        initiator.target().get(30, TimeUnit.SECONDS);
        byte[] first = random(1024, 6);
        byte[] second = random(1024, 7);
        CompletableFuture<byte[]> a = initiator.write(8, first);
        CompletableFuture<byte[]> b = initiator.write(8, second);
        b.get(30, TimeUnit.SECONDS);
        assertTrue(a.isDone(), "the second write waited for the first");
        assertArrayEquals(second, stored(8 * 512, 1024));
    }

    @Test
    void requestsWaitWhileTheTargetIsGoneAndCompleteWhenItIsBack() throws Exception {
        pair = VethPair.create(1500);
        PacketPort first = startTarget(frame -> true);
        AoeInitiator initiator = startInitiator(InitiatorOptions.DEFAULT, frame -> Action.SEND);
        initiator.target().get(30, TimeUnit.SECONDS);
        AoeDeviceLayer device = AoeDeviceLayer.of(initiator, identify(initiator));
        open.remove(first);
        first.close();
        byte[] data = random(1 << 16, 8);
        CompletableFuture<Void> write = device.write(4096, Unpooled.wrappedBuffer(data), 0).toCompletableFuture();
        while ((Long) initiator.counters().get("retransmissions") < 3) {
            Thread.sleep(20);
        }
        assertFalse(write.isDone(), "a request waits while the target is gone");
        startTarget(frame -> true);
        write.get(60, TimeUnit.SECONDS);
        assertArrayEquals(data, stored(4096, data.length));
    }

    @Test
    void withADeadTimeRequestsFailWithEioWhenNoTargetAnswers() throws Exception {
        pair = VethPair.create(1500);
        PacketPort first = startTarget(frame -> true);
        AoeInitiator initiator = startInitiator(InitiatorOptions.DEFAULT.withDeadTime(Duration.ofMillis(300))
                .withWindow(4), frame -> Action.SEND);
        initiator.target().get(30, TimeUnit.SECONDS);
        open.remove(first);
        first.close();
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> initiator.read(0, 2).get(60, TimeUnit.SECONDS));
        assertEquals(NbdError.EIO, assertInstanceOf(NbdException.class, e.getCause()).error());
    }

    // ---- helpers

    private enum Action { SEND, DROP, DUPLICATE }

    @FunctionalInterface
    private interface Network {
        Action decide(ByteBuffer frame);
    }

    @FunctionalInterface
    private interface Passes {
        boolean test(ByteBuffer frame);
    }

    private PacketPort startTarget(Passes responses) throws Exception {
        PacketPort port = VethPair.inNamespace(pair.targetNamespace, () -> PacketPort.open(pair.targetInterface,
                AoeHeader.ETHER_TYPE, MIN_MTU, "enbd-aoe-test-target"));
        FrameSink sink = frame -> responses.test(frame) && port.send(frame);
        AoeTarget target = new AoeTarget(port.netInterface().mac(), port.netInterface().mtu(), sink,
                new RecentWrites(65536));
        target.serve(new TargetSlot(1, 0, "disk", counting, SIZE / 512, true));
        port.start(target::receive);
        open.add(port);
        return port;
    }

    private AoeInitiator startInitiator(InitiatorOptions options, Network network) throws Exception {
        return startInitiator(options, network, new AtomicReference<>());
    }

    private AoeInitiator startInitiator(InitiatorOptions options, Network network, AtomicReference<PacketPort> portOut)
            throws Exception {
        PacketPort port = VethPair.inNamespace(pair.initiatorNamespace, () -> PacketPort.open(pair.initiatorInterface,
                AoeHeader.ETHER_TYPE, MIN_MTU, "enbd-aoe-test-initiator"));
        portOut.set(port);
        FrameSink sink = frame -> switch (network.decide(frame)) {
            case SEND -> port.send(frame);
            case DROP -> true;
            case DUPLICATE -> port.send(frame.duplicate()) & port.send(frame);
        };
        AoeInitiator initiator = new AoeInitiator(port.netInterface().mac(), port.netInterface().mtu(), 1, 0, sink,
                options);
        port.start(initiator::receive);
        open.add(port);
        open.add(initiator);
        return initiator;
    }

    private static byte[] identify(AoeInitiator initiator) throws Exception {
        return initiator.identify().get(30, TimeUnit.SECONDS);
    }

    /** Writes {@code image} from offset 0 in 64 KiB requests, all in flight at once. */
    private static void copy(Layer device, byte[] image) throws Exception {
        List<CompletableFuture<Void>> writes = new ArrayList<>();
        for (int at = 0; at < image.length; at += 1 << 16) {
            int length = Math.min(1 << 16, image.length - at);
            writes.add(device.write(at, Unpooled.wrappedBuffer(image, at, length), 0).toCompletableFuture());
        }
        CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
    }

    /** The write frames {@link #copy} sends: each 64 KiB request split into frames of {@code perFrame} sectors. */
    private static int frames(int length, int perFrame) {
        int frames = 0;
        for (int at = 0; at < length; at += 1 << 16) {
            int sectors = Math.min(1 << 16, length - at) / 512;
            frames += (sectors + perFrame - 1) / perFrame;
        }
        return frames;
    }

    private static byte[] read(Layer device, long offset, int length) throws Exception {
        List<CompletableFuture<ByteBuf>> reads = new ArrayList<>();
        for (int at = 0; at < length; at += 1 << 16) {
            reads.add(device.read(offset + at, Math.min(1 << 16, length - at), 0, ByteBufAllocator.DEFAULT)
                    .toCompletableFuture());
        }
        byte[] out = new byte[length];
        int at = 0;
        for (CompletableFuture<ByteBuf> r : reads) {
            ByteBuf buf = r.get(120, TimeUnit.SECONDS);
            int n = buf.readableBytes();
            buf.readBytes(out, at, n);
            buf.release();
            at += n;
        }
        return out;
    }

    private byte[] stored(long offset, int length) {
        ByteBuf buf = memory.read(offset, length, 0, ByteBufAllocator.DEFAULT).toCompletableFuture().join();
        try {
            byte[] out = new byte[length];
            buf.getBytes(buf.readerIndex(), out);
            return out;
        } finally {
            buf.release();
        }
    }

    private static boolean isWrite(ByteBuffer frame) {
        return frame.remaining() > 36 && frame.get(frame.position() + 19) == 0
                && (frame.get(frame.position() + 24) & AoeMessage.Ata.FLAG_WRITE) != 0;
    }

    private static ByteBuffer copyOf(ByteBuffer frame) {
        ByteBuffer copy = ByteBuffer.allocate(frame.remaining());
        copy.put(frame.duplicate()).flip();
        return copy;
    }

    private static byte[] random(int length, long seed) {
        byte[] out = new byte[length];
        new Random(seed).nextBytes(out);
        return out;
    }
}
