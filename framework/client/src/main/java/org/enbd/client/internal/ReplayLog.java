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
 *
 * <p>A write sent without a reply (async no-ack, {@code EnbdExtension.FLAG_NO_REPLY}) enters the log when it is
 * sent, <i>unconfirmed</i>: the server may not even have received it. It keeps its range locked (later requests on
 * the range wait, and ask for a flush) until a FLUSH on the connection that carried it succeeds, which the server
 * answers only after the write has completed; if that connection closes first, it is sent again with a reply.
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
        /** Sent without a reply on this connection and not yet confirmed by a FLUSH there; else null. */
        Conn unconfirmedOn;
        /** The range lock of an unconfirmed write, held until it is confirmed or its connection has closed. */
        RangeLock confirmLock;

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
    void flushed(long cutoff, Set<Conn> flushed, boolean shared, java.util.function.Consumer<RangeLock> unlock) {
        Iterator<Entry> it = bySeq.values().iterator();
        while (it.hasNext()) {
            Entry e = it.next();
            if (e.ackSeq > cutoff || e.replayLock != null) {
                continue;
            }
            boolean durable = e.unconfirmedOn != null ? flushed.contains(e.unconfirmedOn)
                    : shared || flushed.contains(e.ackedOn);
            if (durable) {
                it.remove();
                if (e.confirmLock != null) {
                    unlock.accept(e.confirmLock);
                    e.confirmLock = null;
                }
                drop(e);
            }
        }
    }

    /** The unconfirmed entries sent on {@code on} (all of them: up to {@code cutoff}), oldest first. */
    List<Entry> unconfirmed(Conn on, long cutoff) {
        List<Entry> out = new ArrayList<>();
        for (Entry e : bySeq.values()) {
            if (e.unconfirmedOn == on && e.ackSeq <= cutoff) {
                out.add(e);
            }
        }
        return out;
    }

    /** Adds to {@code into} the connections holding unconfirmed entries up to {@code cutoff}. */
    void unconfirmedHolders(long cutoff, Set<Conn> into) {
        for (Entry e : bySeq.values()) {
            if (e.unconfirmedOn != null && e.ackSeq <= cutoff) {
                into.add(e.unconfirmedOn);
            }
        }
    }

    /** Whether any write sent without a reply waits for its confirmation. */
    boolean anyUnconfirmed() {
        for (Entry e : bySeq.values()) {
            if (e.unconfirmedOn != null) {
                return true;
            }
        }
        return false;
    }

    private void drop(Entry e) {
        bytes -= e.bytes();
        if (e.data != null) {
            e.data.release();
        }
    }

    /**
     * The entries, oldest first, that {@code on} acknowledged (null: all), not already waiting for a replay nor
     * still unconfirmed (those are replayed when their connection closes, see {@code Recovery}).
     */
    List<Entry> toReplay(Conn on) {
        List<Entry> out = new ArrayList<>();
        for (Entry e : bySeq.values()) {
            if (e.replayLock == null && e.unconfirmedOn == null && (on == null || e.ackedOn == on)) {
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
        bySeq.values().forEach(e -> e.confirmLock = null); // the device is closing: its lock table goes too
        bySeq.values().forEach(this::drop);
        bySeq.clear();
    }
}
