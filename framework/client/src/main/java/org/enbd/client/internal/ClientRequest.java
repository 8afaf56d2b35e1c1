package org.enbd.client.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.enbd.client.internal.OverlapTable.RangeLock;
import org.enbd.protocol.Command;

/**
 * One request of the device's user (after splitting to the payload limit), for as long as it lives: queued, on a
 * connection, retracted and resubmitted, until its future completes. Guarded by the dispatcher's lock.
 */
final class ClientRequest {
    final long seq;
    final Command command;
    final long offset;
    final long length;
    final int flags;
    final ByteBufAllocator alloc;
    /** WRITE data or an ENBD_CONTROL payload: one reference owned by this request, released when it completes. */
    ByteBuf data;
    /** Whether {@link #data} may be kept after completion (else it is copied for the replay log). */
    final boolean ownsData;
    /** Null for internal requests (replays, automatic flushes). */
    final CompletableFuture<Object> future;
    final long submittedNanos;

    RangeLock lock;
    /** A caller's request counted against {@code queueLimit} until it completes. */
    boolean counted;
    /** Set when answered, read when the future is completed after the dispatcher's lock is released. */
    Object result;
    Throwable failure;
    int attempts;
    /** Attempts that ended with the server breaking the protocol on the connection. */
    int violations;
    /** The replay log entry this request re-sends, or null. */
    ReplayLog.Entry replayOf;

    // FLUSH only: acknowledgements up to this number are covered; the connections it was sent to; parts pending
    long flushCutoff;
    Set<Conn> flushTargets;
    int flushPartsPending;

    ClientRequest(long seq, Command command, long offset, long length, int flags, ByteBuf data, boolean ownsData,
                  ByteBufAllocator alloc, CompletableFuture<Object> future, long now) {
        this.seq = seq;
        this.command = command;
        this.offset = offset;
        this.length = length;
        this.flags = flags;
        this.data = data;
        this.ownsData = ownsData;
        this.alloc = alloc;
        this.future = future;
        this.submittedNanos = now;
    }

    boolean writeKind() {
        return isWriteKind(command);
    }

    static boolean isWriteKind(Command c) {
        return c == Command.WRITE || c == Command.WRITE_ZEROES || c == Command.TRIM;
    }

    @Override
    public String toString() {
        return command + "#" + seq + "[" + offset + "+" + length + "]";
    }
}
