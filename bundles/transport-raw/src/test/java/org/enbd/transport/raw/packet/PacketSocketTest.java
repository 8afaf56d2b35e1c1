package org.enbd.transport.raw.packet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A packet socket on a veth pair between two namespaces of the test's own: what it checks and what it carries. */
class PacketSocketTest {
    private static final int ETHER_TYPE = 0x88B5; // IEEE local experimental: nothing else on the pair uses it
    private static VethPair pair;

    @BeforeAll
    static void createPair() throws Exception {
        pair = VethPair.create(1500);
    }

    @AfterAll
    static void deletePair() throws Exception {
        if (pair != null) {
            pair.close();
        }
    }

    @Test
    void describesItsInterface() throws Exception {
        try (PacketSocket socket = VethPair.inNamespace(pair.targetNamespace,
                () -> PacketSocket.open(pair.targetInterface, ETHER_TYPE, 548, 200))) {
            NetInterface at = socket.netInterface();
            assertEquals(pair.targetInterface, at.name());
            assertEquals(1500, at.mtu());
            assertTrue(at.index() > 0);
            assertTrue(at.mac().bits() != 0);
        }
    }

    @Test
    void carriesFramesBetweenTheNamespacesAndDropsNothingOfItsOwn() throws Exception {
        try (PacketSocket target = VethPair.inNamespace(pair.targetNamespace,
                () -> PacketSocket.open(pair.targetInterface, ETHER_TYPE, 548, 200));
             PacketSocket initiator = VethPair.inNamespace(pair.initiatorNamespace,
                     () -> PacketSocket.open(pair.initiatorInterface, ETHER_TYPE, 548, 200))) {
            ByteBuffer frame = ByteBuffer.allocate(1514);
            target.netInterface().mac().write(frame);
            initiator.netInterface().mac().write(frame);
            frame.putShort((short) ETHER_TYPE);
            while (frame.hasRemaining()) {
                frame.put((byte) frame.position());
            }
            assertTrue(initiator.send(frame.flip()));
            ByteBuffer got = receive(target);
            assertEquals(frame.rewind(), got);
            assertEquals(null, initiator.receive(), "the sender does not get its own frame back");
        }
    }

    @Test
    void framesComeInOrderAndWholeRoundTheReceiveRingManyTimes() throws Exception {
        try (PacketSocket target = VethPair.inNamespace(pair.targetNamespace,
                () -> PacketSocket.open(pair.targetInterface, ETHER_TYPE, 548, 200));
             PacketSocket initiator = VethPair.inNamespace(pair.initiatorNamespace,
                     () -> PacketSocket.open(pair.initiatorInterface, ETHER_TYPE, 548, 200))) {
            // the ring has 2048 slots at MTU 1500: 6000 frames of changing lengths go round it about three times,
            // 100 at a time so that none is dropped for want of a free slot
            int sequence = 0;
            for (int burst = 0; burst < 60; burst++) {
                for (int i = 0; i < 100; i++) {
                    assertTrue(initiator.send(numbered(target, initiator, sequence + i)));
                }
                for (int i = 0; i < 100; i++, sequence++) {
                    assertEquals(numbered(target, initiator, sequence), receive(target), "frame " + sequence);
                }
            }
            assertEquals(null, target.receive(), "nothing more than was sent");
        }
    }

    @Test
    void aSocketOpenedWhileFramesArriveWaitsWhenTheyStop() throws Exception {
        // sockets opened under a flood of frames: once the flood is taken from the ring, a receive waits for its
        // timeout in poll(2) instead of returning at once (a receiver that spins would burn its core)
        try (PacketSocket sender = VethPair.inNamespace(pair.initiatorNamespace,
                () -> PacketSocket.open(pair.initiatorInterface, ETHER_TYPE, 548, 200))) {
            java.util.concurrent.atomic.AtomicBoolean flooding = new java.util.concurrent.atomic.AtomicBoolean(true);
            Thread flood = Thread.ofPlatform().start(() -> {
                ByteBuffer frame = numbered(MacAddress.BROADCAST, sender.netInterface(), 0);
                while (flooding.get()) {
                    try {
                        sender.send(frame.duplicate());
                    } catch (PacketException e) {
                        return;
                    }
                }
            });
            List<PacketSocket> opened = new ArrayList<>();
            try {
                for (int i = 0; i < 5; i++) {
                    opened.add(VethPair.inNamespace(pair.targetNamespace,
                            () -> PacketSocket.open(pair.targetInterface, ETHER_TYPE, 548, 200)));
                }
            } finally {
                flooding.set(false);
                flood.join();
            }
            for (PacketSocket socket : opened) {
                try (socket) {
                    while (socket.receive() != null) {
                        // what the flood left in the ring
                    }
                    long start = System.nanoTime();
                    assertEquals(null, socket.receive());
                    long waitedMs = (System.nanoTime() - start) / 1_000_000;
                    assertTrue(waitedMs >= 150, "an idle receive returned after " + waitedMs + " ms, not 200");
                }
            }
        }
    }

    private static ByteBuffer numbered(PacketSocket to, PacketSocket from, int n) {
        return numbered(to.netInterface(), from.netInterface(), n);
    }

    /** Frame {@code n}: 60 to 1514 bytes, its number after the Ethernet header and its bytes following from it. */
    private static ByteBuffer numbered(NetInterface to, NetInterface from, int n) {
        return numbered(to.mac(), from, n);
    }

    private static ByteBuffer numbered(MacAddress to, NetInterface from, int n) {
        ByteBuffer frame = ByteBuffer.allocate(60 + (n * 97) % 1455);
        to.write(frame);
        from.mac().write(frame);
        frame.putShort((short) ETHER_TYPE).putInt(n);
        while (frame.hasRemaining()) {
            frame.put((byte) (n + frame.position()));
        }
        return frame.flip();
    }

    @Test
    void aMissingInterfaceIsNamed() throws Exception {
        PacketException e = assertThrows(PacketException.class, () -> VethPair.inNamespace(pair.targetNamespace,
                () -> PacketSocket.open("enbdnosuch0", ETHER_TYPE, 548, 200)));
        assertTrue(e.getMessage().contains("interface enbdnosuch0 does not exist"), e.getMessage());
    }

    @Test
    void anInterfaceThatIsDownIsNamed() throws Exception {
        pair.ip("-n", pair.targetNamespace, "link", "add", "enbddown0", "type", "veth", "peer", "name", "enbddown1");
        try {
            PacketException e = assertThrows(PacketException.class, () -> VethPair.inNamespace(pair.targetNamespace,
                    () -> PacketSocket.open("enbddown0", ETHER_TYPE, 548, 200)));
            assertTrue(e.getMessage().contains("enbddown0 is down (ip link set enbddown0 up)"), e.getMessage());
        } finally {
            pair.ip("-n", pair.targetNamespace, "link", "delete", "enbddown0");
        }
    }

    @Test
    void anMtuTooSmallIsNamed() throws Exception {
        PacketException e = assertThrows(PacketException.class, () -> VethPair.inNamespace(pair.targetNamespace,
                () -> PacketSocket.open(pair.targetInterface, ETHER_TYPE, 9000, 200)));
        assertTrue(e.getMessage().contains("has MTU 1500, and at least 9000 is needed"), e.getMessage());
    }

    @Test
    void aNameNoInterfaceCanHaveIsRefused() {
        assertThrows(PacketException.class, () -> PacketSocket.open("a-name-far-too-long", ETHER_TYPE, 548, 200));
        assertThrows(PacketException.class, () -> PacketSocket.open("", ETHER_TYPE, 548, 200));
    }

    @Test
    void aPortJoinsItsThreadWhenClosed() throws Exception {
        LinkedBlockingQueue<ByteBuffer> frames = new LinkedBlockingQueue<>();
        PacketPort port = VethPair.inNamespace(pair.targetNamespace,
                () -> PacketPort.open(pair.targetInterface, ETHER_TYPE, 548, "enbd-test-port"));
        port.start(frames::add);
        assertTrue(Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("enbd-test-port")));
        port.close();
        assertTrue(Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().equals("enbd-test-port")));
        assertEquals(false, port.send(ByteBuffer.allocate(60)), "a closed port sends nothing");
    }

    private static ByteBuffer receive(PacketSocket socket) throws PacketException {
        for (int i = 0; i < 50; i++) {
            ByteBuffer frame = socket.receive();
            if (frame != null) {
                return frame;
            }
        }
        throw new AssertionError("no frame in 50 receive timeouts");
    }

}
