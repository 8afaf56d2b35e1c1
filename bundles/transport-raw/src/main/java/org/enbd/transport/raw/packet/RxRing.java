package org.enbd.transport.raw.packet;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;

/**
 * A PACKET_MMAP receive ring (TPACKET_V2) on a packet socket: the kernel copies each frame into a slot of memory
 * shared with us and marks it ours, so frames that are already there are taken without a system call; poll(2)
 * waits only when the ring is empty. TPACKET_V2 rather than V3: V2 wakes the reader for every frame, where V3
 * wakes it per block (full, or after its retire timeout of a millisecond or more), which would put that timeout
 * into every round trip of a lone request.
 *
 * <p>One thread at a time takes frames (the socket's receiver). {@link #close} comes after it was joined and
 * before the socket's descriptor is closed.
 */
final class RxRing implements AutoCloseable {
    private static final int TP_STATUS_KERNEL = 0;
    private static final int TP_STATUS_USER = 1;
    /** tpacket2_hdr: tp_status at 0, tp_len at 4, tp_snaplen at 8, tp_mac (u16) at 12. */
    private static final long SNAPLEN = 8;
    private static final long MAC = 12;
    private static final VarHandle STATUS = JAVA_INT.varHandle();
    /** Where tpacket_rcv puts the Ethernet header in a V2 slot: TPACKET_ALIGN(52 + 16) - 14 = 66. */
    private static final int SLOT_OVERHEAD = 80;
    private static final int BLOCK = 1 << 16;
    private static final int RING_BYTES = 4 << 20;

    private final int fd;
    private final MemorySegment ring;
    private final int frameSize;
    private final int frames;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment pollfd;
    private int next;

    private RxRing(int fd, MemorySegment ring, int frameSize) {
        this.fd = fd;
        this.ring = ring;
        this.frameSize = frameSize;
        this.frames = (int) (ring.byteSize() / frameSize);
        this.pollfd = arena.allocate(8, 4);
        pollfd.set(JAVA_INT, 0, fd);
        pollfd.set(JAVA_SHORT, 4, Posix.POLLIN);
    }

    /** Sets up a ring for frames of up to {@code mtu} bytes on the bound socket {@code fd}. */
    static RxRing open(int fd, int mtu, String interfaceName) throws PacketException {
        int frameSize = Integer.highestOneBit(SLOT_OVERHEAD + 14 + mtu - 1) << 1;
        int blockSize = Math.max(BLOCK, frameSize);
        int blocks = Math.max(1, RING_BYTES / blockSize);
        try (Arena local = Arena.ofConfined()) {
            Posix.setOption(fd, Posix.SOL_PACKET, Posix.PACKET_VERSION, local.allocateFrom(JAVA_INT, Posix.TPACKET_V2),
                    "PACKET_VERSION on " + interfaceName);
            MemorySegment request = local.allocate(JAVA_INT, 4); // struct tpacket_req
            request.setAtIndex(JAVA_INT, 0, blockSize);
            request.setAtIndex(JAVA_INT, 1, blocks);
            request.setAtIndex(JAVA_INT, 2, frameSize);
            request.setAtIndex(JAVA_INT, 3, blocks * (blockSize / frameSize));
            Posix.setOption(fd, Posix.SOL_PACKET, Posix.PACKET_RX_RING, request, "PACKET_RX_RING on " + interfaceName);
        }
        MemorySegment ring = Posix.mapShared(fd, (long) blocks * blockSize, "mmap the receive ring of " + interfaceName);
        return new RxRing(fd, ring, frameSize);
    }

    /**
     * The next frame, copied out of the ring (Ethernet header first), waiting up to {@code timeoutMs} for one;
     * null when none came or a signal interrupted the wait.
     */
    ByteBuffer receive(int timeoutMs, String what) throws PacketException {
        MemorySegment slot = ring.asSlice((long) next * frameSize, frameSize);
        if (((int) STATUS.getAcquire(slot, 0L) & TP_STATUS_USER) == 0) {
            int ready = Posix.poll(pollfd, timeoutMs, what);
            if (ready == -Posix.EINTR || ready == 0) {
                return null;
            }
            if (ready < 0) {
                throw new PacketException(what, -ready);
            }
            if (((int) STATUS.getAcquire(slot, 0L) & TP_STATUS_USER) == 0) {
                return null;
            }
        }
        int length = slot.get(JAVA_INT, SNAPLEN);
        int mac = Short.toUnsignedInt(slot.get(JAVA_SHORT, MAC));
        byte[] frame = new byte[Math.max(0, Math.min(length, frameSize - mac))];
        MemorySegment.copy(slot, JAVA_BYTE, mac, frame, 0, frame.length);
        STATUS.setRelease(slot, 0L, TP_STATUS_KERNEL);
        next = next + 1 == frames ? 0 : next + 1;
        return ByteBuffer.wrap(frame);
    }

    @Override
    public void close() throws PacketException {
        try {
            Posix.unmap(ring, "munmap the receive ring of fd " + fd);
        } finally {
            arena.close();
        }
    }
}
