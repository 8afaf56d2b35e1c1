package org.enbd.transport.raw.packet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
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
