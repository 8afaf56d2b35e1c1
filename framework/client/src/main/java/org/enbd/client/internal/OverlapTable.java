package org.enbd.client.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The ranges that requests must not overtake: the heart of "stale writes never land". Every write-type request
 * (WRITE, WRITE_ZEROES, TRIM) holds a lock on its range from submission until it is resolved; a request may go
 * on the wire only when no lock with a smaller submission sequence overlaps it and blocks its kind.
 *
 * <ul>
 * <li>{@link Kind#WRITE}: a write not yet acknowledged (queued, in flight, or resubmitted after a retraction).
 *     Blocks later writes, so overlapping writes reach the server one after the other, in submission order.</li>
 * <li>{@link Kind#GHOST}: a copy of a write left behind on a connection it was retracted from; it may still
 *     land. Blocks later writes until the copy is known to be dead (its reply arrived, or the connection is gone).
 *     Reads pass: the resubmitted copy carries the same bytes.</li>
 * <li>{@link Kind#REPLAY}: an acknowledged write the server may have lost (it restarted before a flush), to be
 *     sent again. Blocks later reads and writes: both were issued after the write completed and must see it.</li>
 * </ul>
 *
 * Not thread-safe: the dispatcher calls it under its lock.
 */
final class OverlapTable {

    enum Kind {
        WRITE(true, false), GHOST(true, false), REPLAY(true, true);

        final boolean blocksWrites;
        final boolean blocksReads;

        Kind(boolean blocksWrites, boolean blocksReads) {
            this.blocksWrites = blocksWrites;
            this.blocksReads = blocksReads;
        }
    }

    /** One held range. {@code seq} orders it against other requests. */
    static final class RangeLock {
        final long seq;
        final long offset;
        final long length;
        final Kind kind;
        private boolean released;

        RangeLock(long seq, long offset, long length, Kind kind) {
            this.seq = seq;
            this.offset = offset;
            this.length = length;
            this.kind = kind;
        }

        boolean overlaps(long off, long len) {
            return offset < off + len && off < offset + length;
        }

        boolean released() {
            return released;
        }

        @Override
        public String toString() {
            return kind + "#" + seq + "[" + offset + "+" + length + "]";
        }
    }

    private final TreeMap<Long, List<RangeLock>> byOffset = new TreeMap<>();
    private long longest;
    private int size;

    RangeLock add(long seq, long offset, long length, Kind kind) {
        RangeLock lock = new RangeLock(seq, offset, Math.max(1, length), kind);
        byOffset.computeIfAbsent(offset, k -> new ArrayList<>(2)).add(lock);
        longest = Math.max(longest, lock.length);
        size++;
        return lock;
    }

    /** Releases a lock; releasing twice is harmless (a ghost may be resolved by its reply and by a close). */
    void release(RangeLock lock) {
        if (lock == null || lock.released) {
            return;
        }
        lock.released = true;
        List<RangeLock> at = byOffset.get(lock.offset);
        if (at != null && at.remove(lock) && at.isEmpty()) {
            byOffset.remove(lock.offset);
        }
        if (--size == 0) {
            longest = 0;
        }
    }

    /** Whether a request with sequence {@code seq} on this range must wait for an older lock. */
    boolean blocked(long seq, long offset, long length, boolean write) {
        return firstBlocker(seq, offset, length, write) != null;
    }

    /** The oldest-found lock that blocks the request, or null. */
    RangeLock firstBlocker(long seq, long offset, long length, boolean write) {
        if (size == 0) {
            return null;
        }
        long len = Math.max(1, length);
        long from = offset - longest + 1;
        for (Map.Entry<Long, List<RangeLock>> e : byOffset.subMap(from, true, offset + len, false).entrySet()) {
            for (RangeLock lock : e.getValue()) {
                if (lock.seq < seq && lock.overlaps(offset, len)
                        && (write ? lock.kind.blocksWrites : lock.kind.blocksReads)) {
                    return lock;
                }
            }
        }
        return null;
    }

    int size() {
        return size;
    }

    /** Whether any lock of this kind is held (e.g. a replay is still under way). */
    boolean holds(Kind kind) {
        for (List<RangeLock> at : byOffset.values()) {
            for (RangeLock lock : at) {
                if (lock.kind == kind) {
                    return true;
                }
            }
        }
        return false;
    }
}
