package org.enbd.client.internal;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import org.enbd.client.internal.OverlapTable.RangeLock;
import org.enbd.protocol.Command;

/**
 * Writes the server acknowledged but has not yet made durable (no FLUSH covering them has succeeded). A server
 * that restarts without flushing may have lost them, so the client keeps them (WRITE data included) and sends
 * them again, in their original order, before anything that was issued after them. A flush that succeeds on
 * every connection that carried them drops them. Guarded by the dispatcher's lock.
 */
final class ReplayLog {

    /** One acknowledged, unflushed write. */
    static final class Entry {
        final long seq;
        final long ackSeq;
        final Command command;
        final long offset;
        final long length;
        final int flags;
        final ByteBuf data;
        /** The connection whose server cache holds it; replaced when it is replayed. */
        Conn ackedOn;
        /** Held while a replay is pending: later requests on the range wait for it. */
        RangeLock replayLock;

        Entry(long seq, long ackSeq, Command command, long offset, long length, int flags, ByteBuf data, Conn on) {
            this.seq = seq;
            this.ackSeq = ackSeq;
            this.command = command;
            this.offset = offset;
            this.length = length;
            this.flags = flags;
            this.data = data;
            this.ackedOn = on;
        }

        long bytes() {
            return data == null ? 0 : data.readableBytes();
        }
    }

    private final TreeMap<Long, Entry> bySeq = new TreeMap<>();
    private long bytes;
    private long replayed;

    void add(Entry e) {
        Entry old = bySeq.put(e.seq, e);
        if (old != null) {
            drop(old);
        }
        bytes += e.bytes();
    }

    /**
     * A flush succeeded: entries acknowledged up to {@code cutoff} are durable if they were acknowledged on one of
     * {@code flushed} (null: on any connection, the server shares its cache, CAN_MULTI_CONN).
     */
    void flushed(long cutoff, Set<Conn> flushed) {
        Iterator<Entry> it = bySeq.values().iterator();
        while (it.hasNext()) {
            Entry e = it.next();
            if (e.ackSeq <= cutoff && e.replayLock == null && (flushed == null || flushed.contains(e.ackedOn))) {
                it.remove();
                drop(e);
            }
        }
    }

    private void drop(Entry e) {
        bytes -= e.bytes();
        if (e.data != null) {
            e.data.release();
        }
    }

    /** The entries, oldest first, that {@code on} acknowledged (null: all), not already waiting for a replay. */
    List<Entry> toReplay(Conn on) {
        List<Entry> out = new ArrayList<>();
        for (Entry e : bySeq.values()) {
            if (e.replayLock == null && (on == null || e.ackedOn == on)) {
                out.add(e);
            }
        }
        replayed += out.size();
        return out;
    }

    /** Whether an entry acknowledged up to {@code cutoff} still waits for its replay. */
    boolean replayPending(long cutoff) {
        for (Entry e : bySeq.values()) {
            if (e.replayLock != null && e.ackSeq <= cutoff) {
                return true;
            }
        }
        return false;
    }

    /** The live connections that hold entries acknowledged up to {@code cutoff}. */
    void holders(long cutoff, Set<Conn> into) {
        for (Entry e : bySeq.values()) {
            if (e.ackSeq <= cutoff) {
                into.add(e.ackedOn);
            }
        }
    }

    /** Forgets an entry whose replay failed with an error from the server (nothing more can be done). */
    void forget(Entry e) {
        if (bySeq.remove(e.seq, e)) {
            drop(e);
        }
    }

    long bytes() {
        return bytes;
    }

    int size() {
        return bySeq.size();
    }

    long replayed() {
        return replayed;
    }

    void clear() {
        bySeq.values().forEach(this::drop);
        bySeq.clear();
    }
}
