package org.enbd.client.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.client.internal.Conn.Attempt;
import org.enbd.client.internal.OverlapTable.Kind;
import org.enbd.client.internal.OverlapTable.RangeLock;
import org.enbd.protocol.Command;
import org.enbd.protocol.Reply;
import org.enbd.protocol.Request;
import org.enbd.api.layer.RequestFlags;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client engine's scheduler: takes requests, spreads them over the live connections (least outstanding
 * first, many pipelined on each), matches replies by cookie in any order, and carries requests across connection
 * failures. See the package documentation for the resilience design; {@link Recovery} holds the failure paths.
 *
 * <p>One lock guards all state; it is held for map operations only. Work that leaves the engine (writing to a
 * channel, completing a caller's future) is collected while locked and run after unlocking, so no callback runs
 * under the lock and an event loop never waits on it for long.
 */
final class Dispatcher {
    private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);
    /** Zeroes and trims carry no data but still count: the log flushes by itself past this many entries. */
    private static final int MAX_LOG_ENTRIES = 1 << 16;

    /** Hooks to the supervisor. */
    interface Listener {
        /** Connections or counters changed (status report). */
        void changed();

        /** A connection went away or was retired: open another. */
        void connectionLost(Conn conn);
    }

    /** Timing and limits, in nanoseconds and bytes. */
    record Settings(String target, long stallNanos, long deadNanos, int maxInFlight, long replayLimit) {
    }

    final ReentrantLock lock = new ReentrantLock();
    final Settings settings;
    final LongSupplier clock;
    final Listener listener;
    final OverlapTable locks = new OverlapTable();
    final ReplayLog log = new ReplayLog();
    final TreeMap<Long, ClientRequest> queue = new TreeMap<>();
    final List<Conn> live = new ArrayList<>();
    final List<Conn> retired = new ArrayList<>();
    final Recovery recovery;
    private final List<Runnable> deferred = new ArrayList<>();
    private final java.util.Map<Link, List<Request>> outgoing = new java.util.HashMap<>();
    private long seq;
    private long ackSeq;
    private int connIds;
    private int roundRobin;
    int queuedFlushes;
    boolean autoFlushQueued;
    Session first;
    long downSinceNanos;
    boolean dead;
    String fatal;
    boolean closed;
    long acknowledged;

    Dispatcher(Settings settings, LongSupplier clock, Listener listener) {
        this.settings = settings;
        this.clock = clock;
        this.listener = listener;
        this.downSinceNanos = clock.getAsLong();
        this.recovery = new Recovery(this);
    }

    // ---- requests in ----

    /**
     * Queues a request. WRITE {@code data} is one reference the engine takes over; with {@code ownsData} false the
     * bytes are copied if they must be kept after the reply (the replay log), else they are sent as they are.
     */
    CompletableFuture<Object> submit(Command command, long offset, long length, int flags, ByteBuf data,
                                     boolean ownsData, ByteBufAllocator alloc) {
        CompletableFuture<Object> future = new CompletableFuture<>();
        lock.lock();
        try {
            String refusal = fatal != null ? fatal : closed ? "device closed" : dead
                    ? "no connection to " + settings.target + " for " + settings.deadNanos / 1_000_000 + " ms" : null;
            if (refusal != null) {
                if (data != null) {
                    data.release();
                }
                future.completeExceptionally(new NbdException(NbdError.EIO, refusal));
                return future;
            }
            enqueue(command, offset, length, flags, data, ownsData, alloc, future);
            dispatch();
        } finally {
            unlock();
        }
        return future;
    }

    ClientRequest enqueue(Command command, long offset, long length, int flags, ByteBuf data, boolean ownsData,
                          ByteBufAllocator alloc, CompletableFuture<Object> future) {
        ClientRequest r = new ClientRequest(++seq, command, offset, length, flags, data, ownsData, alloc, future,
                clock.getAsLong());
        if (r.writeKind()) {
            r.lock = locks.add(r.seq, offset, length, Kind.WRITE);
        }
        if (command == Command.FLUSH) {
            r.flushCutoff = ackSeq;
            queuedFlushes++;
        }
        queue.put(r.seq, r);
        return r;
    }

    /** Runs {@code action} after the lock is released (channel writes, completions). */
    void defer(Runnable action) {
        deferred.add(action);
    }

    void unlock() {
        outgoing.clear();
        if (deferred.isEmpty()) {
            lock.unlock();
            return;
        }
        Runnable[] todo = deferred.toArray(Runnable[]::new);
        deferred.clear();
        lock.unlock();
        for (Runnable r : todo) {
            try {
                r.run();
            } catch (RuntimeException e) {
                LOG.warn("engine callback failed", e);
            }
        }
    }

    // ---- dispatch ----

    void dispatch() {
        if (live.isEmpty() || queue.isEmpty()) {
            return;
        }
        boolean full = false;
        Iterator<ClientRequest> it = queue.values().iterator();
        while (it.hasNext()) {
            ClientRequest r = it.next();
            if (r.command == Command.FLUSH) {
                if (sendFlush(r)) {
                    it.remove();
                    queuedFlushes--;
                }
                continue;
            }
            if (full || blocked(r)) {
                if (full && queuedFlushes == 0) {
                    break;
                }
                continue;
            }
            Conn c = leastLoaded(true);
            if (c == null) {
                full = true;
                continue;
            }
            it.remove();
            send(r, c);
        }
    }

    private boolean blocked(ClientRequest r) {
        if (r.writeKind()) {
            if (r.command == Command.WRITE && r.replayOf == null && settings.replayLimit > 0 && logging()
                    && log.bytes() >= 2 * settings.replayLimit) {
                queueAutoFlush();
                return true;
            }
            return locks.blocked(r.seq, r.offset, r.length, true);
        }
        return locks.blocked(r.seq, r.offset, r.length, false);
    }

    /** The live connection with fewest requests outstanding (and room, if asked); ties rotate. */
    Conn leastLoaded(boolean needRoom) {
        Conn best = null;
        int n = live.size();
        for (int i = 0; i < n; i++) {
            Conn c = live.get((roundRobin + i) % n);
            if ((!needRoom || c.active < settings.maxInFlight) && (best == null || c.active < best.active)) {
                best = c;
            }
        }
        roundRobin++;
        return best;
    }

    void send(ClientRequest r, Conn c) {
        long cookie = c.nextCookie++;
        Attempt a = new Attempt(cookie, r.command, r.offset, r.length, clock.getAsLong(), r);
        c.wire.put(cookie, a);
        c.active++;
        ByteBuf payload = r.command == Command.WRITE ? r.data.retainedDuplicate() : null;
        Request message = new Request(r.flags, r.command.value(), cookie, r.offset, r.length, payload);
        // requests for one connection leave together: one hop to its event loop and one flush per batch
        List<Request> batch = outgoing.get(c.link);
        if (batch == null) {
            batch = new ArrayList<>(4);
            outgoing.put(c.link, batch);
            List<Request> sending = batch;
            Link link = c.link;
            defer(() -> link.send(sending));
        }
        batch.add(message);
    }

    /** Sends a FLUSH once no replay it must cover is pending, to every connection holding writes it covers. */
    private boolean sendFlush(ClientRequest r) {
        if (log.replayPending(r.flushCutoff)) {
            return false;
        }
        Set<Conn> targets = new HashSet<>();
        if (!first.multiConn()) {
            log.holders(r.flushCutoff, targets);
            targets.retainAll(live);
        }
        if (targets.isEmpty()) {
            targets.add(leastLoaded(false));
        }
        r.flushTargets = targets;
        r.flushPartsPending = targets.size();
        for (Conn c : targets) {
            send(r, c);
        }
        return true;
    }

    void queueAutoFlush() {
        if (!autoFlushQueued && logging()) {
            autoFlushQueued = true;
            enqueue(Command.FLUSH, 0, 0, 0, null, false, ByteBufAllocator.DEFAULT, null);
        }
    }

    /** Acknowledged writes are kept for replay: the server has a cache to flush, and we may keep data. */
    boolean logging() {
        return first != null && first.flush() && settings.replayLimit > 0;
    }

    // ---- replies ----

    /** A reply message arrived on {@code c} (called on its event loop; takes over the message's reference). */
    void onReply(Conn c, Reply reply) {
        lock.lock();
        try {
            Attempt a = c.wire.get(reply.cookie());
            if (a == null) {
                reply.release();
                recovery.violation(c, "reply with unknown cookie " + Long.toHexString(reply.cookie()));
                return;
            }
            c.lastProgressNanos = clock.getAsLong();
            if (a.assembly == null) {
                a.assembly = new ReplyAssembly(a.command, a.offset, a.length, c.session.allocationContext(),
                        a.request != null ? a.request.alloc : ByteBufAllocator.DEFAULT);
            }
            boolean done;
            try {
                done = a.assembly.accept(reply);
            } catch (ReplyAssembly.Violation v) {
                recovery.violation(c, v.getMessage());
                return;
            }
            if (!done) {
                return;
            }
            c.wire.remove(a.cookie);
            ClientRequest r = a.request;
            if (r == null) {
                a.assembly.discard();
                locks.release(a.ghost);
                recovery.ghostResolved(c);
            } else {
                c.active--;
                answered(r, a, c);
            }
            dispatch();
        } finally {
            unlock();
        }
    }

    private void answered(ClientRequest r, Attempt a, Conn c) {
        int error = a.assembly.error();
        if (error == NbdError.ESHUTDOWN.value()) {
            a.assembly.discard();
            requeue(r);
            recovery.retire(c, "server is shutting down (ESHUTDOWN)");
            return;
        }
        if (r.command == Command.FLUSH) {
            flushPartDone(r, error, a.assembly.message());
            return;
        }
        if (error != 0) {
            a.assembly.discard();
            if (r.replayOf != null) {
                LOG.warn("{}: replay of {} failed on {}: error {} {}", settings.target, r, c, error, a.assembly.message());
                r.replayOf.replayLock = null;
                log.forget(r.replayOf);
            }
            finish(r, null, new NbdException(NbdError.fromValue(error), describe(r) + " failed on "
                    + settings.target + (a.assembly.message().isEmpty() ? "" : ": " + a.assembly.message())));
            return;
        }
        Object result = a.assembly.result();
        if (r.writeKind()) {
            acked(r, c);
        }
        finish(r, result, null);
    }

    private void acked(ClientRequest r, Conn c) {
        acknowledged++;
        ReplayLog.Entry replayed = r.replayOf;
        if (replayed != null) {
            replayed.ackedOn = c;
            locks.release(replayed.replayLock);
            replayed.replayLock = null;
            return;
        }
        if (!logging() || (RequestFlags.has(r.flags, RequestFlags.FUA) && c.session.fua())) {
            return;
        }
        ByteBuf kept = null;
        if (r.command == Command.WRITE) {
            kept = r.ownsData ? r.data : r.data.copy();
            if (r.ownsData) {
                r.data = null;
            }
        }
        log.add(new ReplayLog.Entry(r.seq, ++ackSeq, r.command, r.offset, r.length, r.flags & ~RequestFlags.FUA,
                kept, c));
        if (log.bytes() > settings.replayLimit || log.size() > MAX_LOG_ENTRIES) {
            queueAutoFlush();
        }
    }

    private void flushPartDone(ClientRequest r, int error, String message) {
        if (r.flushPartsPending <= 0) {
            return;
        }
        if (error != 0) {
            r.flushPartsPending = 0;
            recovery.abandonParts(r);
            finish(r, null, new NbdException(NbdError.fromValue(error), "FLUSH failed on " + settings.target
                    + (message.isEmpty() ? "" : ": " + message)));
            return;
        }
        if (--r.flushPartsPending == 0) {
            log.flushed(r.flushCutoff, first.multiConn() ? null : r.flushTargets);
            finish(r, null, null);
        }
    }

    /** Completes a request: releases its range and data, and completes the caller's future after unlocking. */
    void finish(ClientRequest r, Object result, Throwable failure) {
        locks.release(r.lock);
        if (r.data != null) {
            r.data.release();
            r.data = null;
        }
        if (r.future == null) {
            if (r.command == Command.FLUSH) {
                autoFlushQueued = false;
            }
            return;
        }
        CompletableFuture<Object> f = r.future;
        defer(() -> {
            boolean taken = failure == null ? f.complete(result) : f.completeExceptionally(failure);
            if (!taken && result instanceof ByteBuf b) {
                b.release();
            }
        });
    }

    /** Puts a request back in the queue, in its original order, for another connection. */
    void requeue(ClientRequest r) {
        r.attempts++;
        if (r.command == Command.FLUSH) {
            r.flushTargets = null;
            r.flushPartsPending = 0;
            queuedFlushes++;
        }
        queue.put(r.seq, r);
        recovery.resubmitted++;
    }

    String describe(ClientRequest r) {
        return r.command + " [" + r.offset + "+" + r.length + "]";
    }

    long now() {
        return clock.getAsLong();
    }

    RangeLock ghost(ClientRequest r) {
        return locks.add(r.seq, r.offset, r.length, Kind.GHOST);
    }
}
