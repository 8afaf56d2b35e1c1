package org.enbd.transport.raw.packet;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * Frames a port's receiver thread sends while it works through a burst of received frames, sent together by one
 * sendmmsg(2) when the burst ends (or the batch is full) instead of one send(2) each. Used by that one thread
 * only; {@link #close} after it was joined.
 */
final class SendBatch implements AutoCloseable {
    /** Most frames in one sendmmsg. */
    static final int CAPACITY = 32;
    private static final long MMSGHDR = 64;   // struct mmsghdr: msghdr (56) + msg_len, padded
    private static final long MSG_IOV = 16;
    private static final long MSG_IOVLEN = 24;
    private static final long IOVEC = 16;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment headers;
    private final MemorySegment iovecs;
    private final MemorySegment data;
    private final int slot;
    private int count;
    private long dropped;

    SendBatch(int mtu) {
        this.slot = (mtu + 14 + 63) & ~63;
        this.headers = arena.allocate(MMSGHDR * CAPACITY, 8);
        this.iovecs = arena.allocate(IOVEC * CAPACITY, 8);
        this.data = arena.allocate((long) slot * CAPACITY, 64);
        for (int i = 0; i < CAPACITY; i++) {
            MemorySegment header = headers.asSlice(i * MMSGHDR, MMSGHDR);
            header.set(ADDRESS, MSG_IOV, iovecs.asSlice(i * IOVEC, IOVEC));
            header.set(JAVA_LONG, MSG_IOVLEN, 1);
            iovecs.set(ADDRESS, i * IOVEC, data.asSlice((long) i * slot, slot));
        }
    }

    boolean isEmpty() {
        return count == 0;
    }

    boolean isFull() {
        return count == CAPACITY;
    }

    /** Copies {@code frame} (position to limit) into the batch; false when it is too long for a slot. */
    boolean add(ByteBuffer frame) {
        int length = frame.remaining();
        if (length > slot || count == CAPACITY) {
            return false;
        }
        MemorySegment.copy(MemorySegment.ofBuffer(frame), JAVA_BYTE, 0, data, JAVA_BYTE, (long) count * slot, length);
        iovecs.set(JAVA_LONG, count * IOVEC + 8, length);
        count++;
        return true;
    }

    /** Sends the batch with one sendmmsg that never waits; frames the kernel takes no room for are lost frames. */
    void flush(PacketSocket socket) throws PacketException {
        if (count == 0) {
            return;
        }
        int n = count;
        count = 0;
        int sent = socket.sendAll(headers, n);
        if (sent < n) {
            dropped += n - Math.max(sent, 0);
        }
    }

    /** Frames the kernel refused (a full queue): lost, as on the wire. */
    long dropped() {
        return dropped;
    }

    @Override
    public void close() {
        arena.close();
    }
}
