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
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.layer.ExportEvent;
import org.enbd.client.internal.Conn.Attempt;
import org.enbd.client.internal.OverlapTable.Kind;
import org.enbd.client.internal.OverlapTable.RangeLock;
import org.enbd.api.layer.RequestFlags;
import org.enbd.protocol.Command;
import org.enbd.protocol.EnbdExtension;
import org.enbd.protocol.Reply;
import org.enbd.protocol.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client engine's scheduler: takes requests, spreads them over the live connections (least outstanding
 * first, many pipelined on each), matches replies by cookie in any order, and carries requests across connection
 * failures. See the package documentation for the resilience design; {@link Replies} handles what comes back and
 * {@link Recovery} the failure paths.
 *
 * <p>One lock guards all state; it is held for map operations only. Work that leaves the engine (writing to a
 * channel, completing a caller's future) is collected while locked and run after unlocking, so no callback runs
 * under the lock. Submitting never waits for the lock: a request is handed in through a queue and taken in by
 * whoever holds the lock next ({@link #admit}). Replies, connection changes and the ticker still take it (the
 * engine's one lock, to be confined to one loop: house review example 6).
 */
final class Dispatcher {
    private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);

    /** Hooks to the supervisor. */
    interface Listener {
        /** Connections or counters changed (status report). */
        void changed();

        /** A connection went away or was retired: open another. */
        void connectionLost(Conn conn);

        /** The export changed (an event the server pushed, or a new size seen on reconnect); never locked. */
        void event(ExportEvent event);
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
    final Replies replies;
    private final List<Runnable> deferred = new ArrayList<>();
    /** Requests answered while locked, completed after unlocking (a list rather than a lambda per request). */
    private final List<ClientRequest> completions = new ArrayList<>();
    /** Callers' requests accepted and not yet answered; see {@link #submit}. */
    private final int queueLimit;
    private int outstanding;
    private final java.util.Map<Link, List<Request>> outgoing = new java.util.HashMap<>();
    /** Submissions not yet taken in: see {@link #admit}. */
    private final ConcurrentLinkedQueue<Submission> incoming = new ConcurrentLinkedQueue<>();
    private long seq;
    /** Numbers acknowledged writes in the replay log; a FLUSH covers those up to its cutoff. */
    long ackSeq;
    private int connIds;
    private int roundRobin;
    int queuedFlushes;
    boolean autoFlushQueued;
    /** Set while dispatching (the queue cannot take a request then): queue an automatic flush afterwards. */
    boolean wantAutoFlush;
    /** An automatic flush failed: the caller's next FLUSH fails with this, once (fsync's rule). */
    NbdException unreportedFlushFailure;
    Session first;
    /** The export's size as last seen: the first handshake's, then events and reconnects. */
    volatile long size = -1;
    long downSinceNanos;
    /**
     * The route (server URI and TLS) connections open for now; raised when the device moves to another server.
     * A connection of this generation retires the live ones of older generations as it attaches.
     */
    int generation;
    boolean dead;
    String fatal;
    boolean closed;
    long acknowledged;
    /** Writes sent without a reply (async no-ack), confirmed later by a FLUSH. */
    long unanswered;

    Dispatcher(Settings settings, LongSupplier clock, Listener listener) {
        this(settings, clock, listener, Integer.MAX_VALUE);
    }

    Dispatcher(Settings settings, LongSupplier clock, Listener listener, int queueLimit) {
        this.queueLimit = queueLimit;
        this.settings = settings;
        this.clock = clock;
        this.listener = listener;
        this.downSinceNanos = clock.getAsLong();
        this.recovery = new Recovery(this);
        this.replies = new Replies(this);
    }

    // ---- requests in ----

    /**
     * Queues a request; never waits, so any thread may call it, an event loop included. WRITE and ENBD_CONTROL
     * {@code data} is one reference the engine takes over; with {@code ownsData} false the bytes are copied if
     * they must be kept after the reply (the replay log), else they are sent as they are.
     *
     * <p>While a connection is up, requests are taken however many are outstanding: every caller bounds its own
     * (the server's in-flight limit per local connection, the kernel's queue depth per relay socket). While none
     * is up, at most {@code queueLimit} of the callers' requests wait for one; past that new ones fail with EIO at
     * once rather than pile up for the whole outage.
     */
    CompletableFuture<Object> submit(Command command, long offset, long length, int flags, ByteBuf data,
                                     boolean ownsData, ByteBufAllocator alloc) {
        CompletableFuture<Object> future = new CompletableFuture<>();
        incoming.add(new Submission(command, offset, length, flags, data, ownsData, alloc, future));
        admit();
        return future;
    }

    /** A request handed in, waiting to be taken in under the lock. */
    private record Submission(Command command, long offset, long length, int flags, ByteBuf data, boolean ownsData,
                              ByteBufAllocator alloc, CompletableFuture<Object> future) {
    }

    /**
     * Takes the submissions in, in the order they came, whenever the lock is free; never waits for it. When it
     * is held, its holder takes them in after unlocking ({@link #unlock}), so a submission never waits for a lock
     * and is never left behind: it was added before this thread's tryLock failed, so before the holder unlocked
     * and looked.
     */
    private void admit() {
        while (!incoming.isEmpty() && lock.tryLock()) {
            try {
                for (Submission s; (s = incoming.poll()) != null; ) {
                    accept(s);
                }
                dispatch();
            } finally {
                release();
            }
        }
    }

    private void accept(Submission s) {
        String refusal = fatal != null ? fatal : closed ? "device closed" : dead
                ? "no connection to " + settings.target + " for " + settings.deadNanos / 1_000_000 + " ms"
                : live.isEmpty() && outstanding >= queueLimit ? outstanding + " requests already wait for a "
                + "connection to " + settings.target : null;
        if (refusal != null) {
            if (s.data != null) {
                s.data.release();
            }
            NbdException failure = new NbdException(NbdError.EIO, refusal);
            defer(() -> s.future.completeExceptionally(failure));
            return;
        }
        enqueue(s.command, s.offset, s.length, s.flags, s.data, s.ownsData, s.alloc, s.future).counted = true;
        outstanding++;
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

    /** Unlocks, runs what was deferred, then takes in what was submitted meanwhile. */
    void unlock() {
        release();
        if (!incoming.isEmpty()) {
            admit();
        }
    }

    /** Unlocks and runs the deferred actions and completions (unlocked: they may submit again). */
    private void release() {
        outgoing.clear();
        if (deferred.isEmpty() && completions.isEmpty()) {
            lock.unlock();
            return;
        }
        Runnable[] todo = deferred.isEmpty() ? NO_ACTIONS : deferred.toArray(Runnable[]::new);
        ClientRequest[] done = completions.isEmpty() ? NO_REQUESTS : completions.toArray(NO_REQUESTS);
        deferred.clear();
        completions.clear();
        lock.unlock();
        for (Runnable r : todo) {
            try {
                r.run();
            } catch (RuntimeException e) {
                LOG.warn("engine callback failed", e);
            }
        }
        for (ClientRequest r : done) {
            complete(r);
        }
    }

    private static final Runnable[] NO_ACTIONS = {};
    private static final ClientRequest[] NO_REQUESTS = {};

    /** Completes the caller's future (unlocked: the caller's stages may run here and submit again). */
    private static void complete(ClientRequest r) {
        Object result = r.result;
        Throwable failure = r.failure;
        r.result = null;
        try {
            boolean taken = failure == null ? r.future.complete(result) : r.future.completeExceptionally(failure);
            if (!taken && result instanceof ByteBuf b) {
                b.release();
            }
        } catch (RuntimeException e) {
            LOG.warn("engine callback failed", e);
        }
    }

    // ---- dispatch ----

    void dispatch() {
        dispatchQueue();
        if (wantAutoFlush) {
            wantAutoFlush = false;
            queueAutoFlush();
            dispatchQueue();
        }
    }

    private void dispatchQueue() {
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
            if (r.command == Command.ENBD_CONTROL) {
                sendControl(r, it);
                continue;
            }
            Conn c = leastLoaded(true, false);
            if (c == null) {
                full = true;
                continue;
            }
            it.remove();
            send(r, c);
        }
    }

    /**
     * A control request goes to a connection that negotiated the extension; when every live connection is one
     * without it (a reconnect reached a standard server), it fails with ENOTSUP as the device would at once.
     */
    private void sendControl(ClientRequest r, Iterator<ClientRequest> it) {
        Conn c = leastLoaded(true, true);
        if (c != null) {
            it.remove();
            send(r, c);
        } else if (leastLoaded(false, true) == null) {
            it.remove();
            finish(r, null, new NbdException(NbdError.ENOTSUP, "the server at " + settings.target
                    + " does not speak ENBD's extension (any more): control message 0x"
                    + Long.toHexString(r.offset) + " cannot be sent"));
        }
    }

    private boolean blocked(ClientRequest r) {
        if (r.command == Command.ENBD_CONTROL) {
            return false; // not about the data: no range to wait for
        }
        if (r.writeKind()) {
            if (r.command == Command.WRITE && r.replayOf == null && settings.replayLimit > 0 && logging()
                    && log.bytes() >= 2 * settings.replayLimit) {
                wantAutoFlush = true;
                return true;
            }
            return blockedByRange(r, true);
        }
        return blockedByRange(r, false);
    }

    /** A request waiting for an earlier one on its range; if that may be a write sent without a reply, flush. */
    private boolean blockedByRange(ClientRequest r, boolean write) {
        if (!locks.blocked(r.seq, r.offset, r.length, write)) {
            return false;
        }
        if (!autoFlushQueued && log.anyUnconfirmed()) {
            wantAutoFlush = true; // an unconfirmed write's lock goes only with a FLUSH: do not wait for the timer
        }
        return true;
    }

    /**
     * The live connection with fewest requests outstanding (and room, if asked; with the ENBD extension, if
     * asked). Among equals, one served by the
     * calling thread's event loop wins: the request is then written at once, and its reply completes on the loop
     * that asked (the local endpoint's), saving two thread hand-offs per request; other ties rotate.
     */
    Conn leastLoaded(boolean needRoom, boolean needEnbd) {
        Conn best = null;
        boolean bestLocal = false;
        int n = live.size();
        for (int i = 0; i < n; i++) {
            Conn c = live.get((roundRobin + i) % n);
            if (needRoom && c.active >= settings.maxInFlight || needEnbd && !c.session.enbd()) {
                continue;
            }
            if (best == null || c.active < best.active) {
                best = c;
                bestLocal = c.link.inEventLoop();
            } else if (c.active == best.active && !bestLocal && c.link.inEventLoop()) {
                best = c;
                bestLocal = true;
            }
        }
        roundRobin++;
        return best;
    }

    void send(ClientRequest r, Conn c) {
        long cookie = c.allocateCookie();
        boolean unanswered = unanswered(r, c);
        if (!unanswered) {
            Attempt a = new Attempt(cookie, r.command, r.offset, r.length, clock.getAsLong(), r);
            c.wire.put(cookie, a);
            c.active++;
        }
        ByteBuf payload = r.data != null ? r.data.retainedDuplicate() : null;
        int flags = unanswered ? r.flags : r.flags & ~EnbdExtension.FLAG_NO_REPLY;
        Request message = new Request(flags, r.command.value(), cookie, r.offset, r.length, payload);
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
        if (unanswered) {
            replies.sentUnanswered(r, c);
        }
    }

    /**
     * Whether {@code r} goes out without a reply (async no-ack): a caller's WRITE that asked for it, without FUA,
     * on a connection whose server agreed, and only while acknowledged writes are logged (the server flushes):
     * the log is what confirms it, or sends it again.
     */
    private boolean unanswered(ClientRequest r, Conn c) {
        return r.command == Command.WRITE && (r.flags & EnbdExtension.FLAG_NO_REPLY) != 0 && r.replayOf == null
                && (r.flags & RequestFlags.FUA) == 0 && c.session.noReply() && logging() && r.data != null;
    }

    /** Sends a FLUSH once no replay it must cover is pending, to every connection holding writes it covers. */
    private boolean sendFlush(ClientRequest r) {
        if (r.future != null && unreportedFlushFailure != null) {
            NbdException failure = unreportedFlushFailure;
            unreportedFlushFailure = null;
            finish(r, null, failure);
            return true;
        }
        if (log.replayPending(r.flushCutoff)) {
            return false;
        }
        Set<Conn> targets = new HashSet<>();
        if (!first.multiConn()) {
            log.holders(r.flushCutoff, targets);
        }
        // a write sent without a reply is confirmed only by a FLUSH on its own connection, shared cache or not
        log.unconfirmedHolders(r.flushCutoff, targets);
        targets.retainAll(live);
        if (targets.isEmpty()) {
            targets.add(leastLoaded(false, false));
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
        replies.onReply(c, reply);
    }

    /** Completes a request: releases its range and data, and completes the caller's future after unlocking. */
    void finish(ClientRequest r, Object result, Throwable failure) {
        locks.release(r.lock);
        if (r.data != null) {
            r.data.release();
            r.data = null;
        }
        if (r.counted) {
            r.counted = false;
            outstanding--;
        }
        if (r.future == null) {
            if (r.command == Command.FLUSH) {
                autoFlushQueued = false;
            }
            return;
        }
        r.result = result;
        r.failure = failure;
        completions.add(r);
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
