package org.enbd.client.internal;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.layer.ExportEvent;
import org.enbd.client.internal.Conn.Attempt;
import org.enbd.client.internal.OverlapTable.Kind;
import org.enbd.client.internal.OverlapTable.RangeLock;
import org.enbd.protocol.Command;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dispatcher's failure paths: connections that come and go, stall detection and retraction, ghosts of
 * retracted writes, replay after a possible server restart, the dead-time limit. Every method runs under the
 * dispatcher's lock (the public entry points take it).
 */
final class Recovery {
    private static final Logger LOG = LoggerFactory.getLogger(Recovery.class);

    private record GhostRelease(RangeLock lock, long atNanos) {
    }

    /** Attempts of one request that may end in a protocol violation before it fails. */
    static final int MAX_VIOLATIONS = 3;
    /** Attempts of one request in all (retractions and lost connections) before it fails. */
    static final int MAX_ATTEMPTS = 32;

    private final Dispatcher d;
    private int connIds;
    private final List<GhostRelease> graceReleases = new ArrayList<>();
    long retracted;
    long resubmitted;
    long connectionsLost;

    Recovery(Dispatcher d) {
        this.d = d;
    }

    /** A connection finished its handshake: it takes requests from now on. */
    Conn attach(Link link, Session session) {
        return attach(link, session, 0);
    }

    /**
     * A connection opened for route {@code generation} finished its handshake: it takes requests from now on. The
     * first of the current generation retires the live connections of older ones (their requests are retracted
     * onto it: the drain of a move to another server); one of an older generation is let go at once when the
     * current one is already up, and so is any one once the device is closed.
     */
    Conn attach(Link link, Session session, int generation) {
        d.lock.lock();
        try {
            Conn c = new Conn(++connIds, generation, link, session, d.now());
            if (d.closed || generation < d.generation
                    && d.live.stream().anyMatch(l -> l.generation == d.generation)) {
                // closed meanwhile (a handshake that finished after close), or of an old route
                c.state = Conn.State.CLOSED;
                d.defer(link::disconnect);
                return c;
            }
            if (d.first == null) {
                d.first = session;
                d.size = session.size();
            } else if (session.size() != d.size && d.live.isEmpty()) {
                // a standard server tells a new size only this way (an image grown while it restarted); with
                // connections up, a different size is a handshake that crossed a pushed event: theirs is newer
                LOG.warn("{}: export size changed from {} to {} on reconnect", d.settings.target(), d.size,
                        session.size());
                d.size = session.size();
                ExportEvent changed = new ExportEvent.SizeChanged(session.size());
                d.defer(() -> d.listener.event(changed));
            }
            if (d.live.isEmpty() && d.first != session) {
                LOG.info("{}: {} connected; service resumes ({} requests waiting, {} writes to replay)",
                        d.settings.target(), link.describe(), d.queue.size(), d.log.size());
            }
            d.live.add(c);
            d.dead = false;
            d.downSinceNanos = -1;
            if (generation == d.generation) {
                for (Conn old : List.copyOf(d.live)) {
                    if (old.generation < generation) {
                        retire(old, "the device moved to " + link.describe());
                    }
                }
            }
            d.dispatch();
            d.defer(d.listener::changed);
            return c;
        } finally {
            d.unlock();
        }
    }

    /** The connection's channel closed. {@code byPeer}: the peer or the network ended it, not this client. */
    void closed(Conn c, boolean byPeer) {
        d.lock.lock();
        try {
            closedLocked(c, byPeer);
            d.dispatch();
        } finally {
            d.unlock();
        }
    }

    private void closedLocked(Conn c, boolean byPeer) {
        if (c.state == Conn.State.CLOSED) {
            return;
        }
        boolean wasLive = c.state == Conn.State.LIVE;
        c.state = Conn.State.CLOSED;
        d.live.remove(c);
        d.retired.remove(c);
        long now = d.now();
        for (Attempt a : c.wire.values()) {
            if (a.assembly != null) {
                a.assembly.discard();
            }
            ClientRequest r = a.request;
            if (r != null) {
                a.request = null;
                c.active--;
                if (r.command == Command.FLUSH) {
                    abandonParts(r);
                } else if (r.writeKind() && !byPeer) {
                    graceReleases.add(new GhostRelease(d.ghost(r), now + d.settings.stallNanos()));
                }
                requeue(r, c);
            } else if (a.ghost != null) {
                if (byPeer) {
                    d.locks.release(a.ghost);
                } else {
                    graceReleases.add(new GhostRelease(a.ghost, now + d.settings.stallNanos()));
                }
            }
        }
        int moved = c.wire.size();
        c.wire.clear();
        // writes sent on c without a reply: nobody knows whether they arrived; a reset may still deliver them
        replayUnconfirmed(c, Long.MAX_VALUE, byPeer);
        if (wasLive) {
            connectionsLost++;
            LOG.info("{}: {} closed{}; {} requests on it go to other connections{}", d.settings.target(), c,
                    byPeer ? " by the peer" : "", moved, d.live.isEmpty() ? " once one is back" : "");
            lostLive(c);
        }
        d.defer(() -> d.listener.connectionLost(c));
        d.defer(d.listener::changed);
    }

    /**
     * Stall: no reply on {@code c} for the stall timeout while requests wait. Retract them: they go back to the
     * queue for another connection; each write leaves a ghost holding its range until the copy on {@code c} is
     * known dead. {@code c} takes nothing new and stays open only to see its ghosts answered.
     */
    void retire(Conn c, String reason) {
        if (c.state != Conn.State.LIVE) {
            return;
        }
        if (!d.log.unconfirmed(c, Long.MAX_VALUE).isEmpty()) {
            // writes without replies on it can be confirmed only by a FLUSH on it, which a stalled connection will
            // not answer: reset it, so they are sent again elsewhere once their grace has passed
            LOG.warn("{}: {} stalled ({}) with writes sent without replies; resetting it", d.settings.target(), c,
                    reason);
            d.defer(c.link::abort);
            closedLocked(c, false);
            return;
        }
        c.state = Conn.State.RETIRED;
        c.retiredNanos = d.now();
        d.live.remove(c);
        d.retired.add(c);
        int n = 0;
        for (Attempt a : c.wire.values()) {
            ClientRequest r = a.request;
            if (r == null) {
                continue;
            }
            a.request = null;
            c.active--;
            n++;
            if (r.command == Command.FLUSH) {
                abandonParts(r);
            } else if (r.writeKind()) {
                a.ghost = d.ghost(r);
            }
            requeue(r, c);
        }
        retracted += n;
        LOG.warn("{}: {} retired ({}); {} requests retracted and resubmitted", d.settings.target(), c, reason, n);
        lostLive(c);
        ghostResolved(c);
        d.defer(() -> d.listener.connectionLost(c));
        d.defer(d.listener::changed);
    }

    /**
     * Sends {@code r} again elsewhere, unless it has had its attempts: {@value #MAX_VIOLATIONS} ended by the
     * server breaking the protocol, or {@value #MAX_ATTEMPTS} in all. Then it fails with EIO, so a caller never
     * waits forever on a server that cannot answer it.
     */
    private void requeue(ClientRequest r, Conn from) {
        if (from.violated) {
            r.violations++;
        }
        if (r.violations < MAX_VIOLATIONS && r.attempts + 1 < MAX_ATTEMPTS) {
            d.requeue(r);
            return;
        }
        String why = r.violations >= MAX_VIOLATIONS ? "the server broke the protocol on " + r.violations
                + " attempts" : "no answer in " + (r.attempts + 1) + " attempts";
        LOG.warn("{}: {} fails: {}", d.settings.target(), r, why);
        if (r.replayOf != null) {
            d.locks.release(r.replayOf.replayLock);
            r.replayOf.replayLock = null;
            d.log.forget(r.replayOf);
        }
        if (r.command == Command.FLUSH) {
            r.flushTargets = null;
            r.flushPartsPending = 0;
        }
        d.finish(r, null, new NbdException(NbdError.EIO, d.describe(r) + " failed on " + d.settings.target()
                + ": " + why));
    }

    /** What losing a live connection means for acknowledged writes it may be the only holder of. */
    private void lostLive(Conn c) {
        if (d.live.isEmpty()) {
            // every connection is gone: the server may be restarting and may lose what it had not flushed
            d.downSinceNanos = d.now();
            replay(null);
        } else if (d.first != null && !d.first.multiConn()) {
            // without a shared cache, writes acknowledged on c may be visible only through c
            replay(c);
        }
    }

    /** Queues the acknowledged unflushed writes held by {@code on} (null: all) to be sent again, in order. */
    private void replay(Conn on) {
        if (!d.logging()) {
            return;
        }
        for (ReplayLog.Entry e : d.log.toReplay(on)) {
            e.replayLock = d.locks.add(e.seq, e.offset, e.length, Kind.REPLAY);
            ClientRequest r = new ClientRequest(e.seq, e.command, e.offset, e.length, e.flags,
                    e.data == null ? null : e.data.retain(), false, io.netty.buffer.ByteBufAllocator.DEFAULT, null,
                    d.now());
            r.replayOf = e;
            d.queue.put(r.seq, r);
        }
    }

    /**
     * Sends the writes that went out on {@code c} without a reply (up to {@code cutoff}) again, with one, in their
     * order. Their range locks pass to the replays; the old copies' locks go now when {@code dead} (the server
     * has completed or will never run them: it answered the FLUSH after them, or the peer closed the connection),
     * else after the stall timeout, as a ghost's do.
     */
    void replayUnconfirmed(Conn c, long cutoff, boolean dead) {
        long now = d.now();
        for (ReplayLog.Entry e : d.log.unconfirmed(c, cutoff)) {
            e.unconfirmedOn = null;
            if (e.replayLock == null) {
                e.replayLock = d.locks.add(e.seq, e.offset, e.length, Kind.REPLAY);
                ClientRequest r = new ClientRequest(e.seq, e.command, e.offset, e.length, e.flags,
                        e.data == null ? null : e.data.retain(), false, io.netty.buffer.ByteBufAllocator.DEFAULT,
                        null, now);
                r.replayOf = e;
                d.queue.put(r.seq, r);
            }
            if (e.confirmLock != null) {
                if (dead) {
                    d.locks.release(e.confirmLock);
                } else {
                    graceReleases.add(new GhostRelease(e.confirmLock, now + d.settings.stallNanos()));
                }
                e.confirmLock = null;
            }
        }
    }

    /** A retired connection with no ghosts left has nothing more to tell: say goodbye. */
    void ghostResolved(Conn c) {
        if (c.state == Conn.State.RETIRED && c.wire.isEmpty()) {
            c.state = Conn.State.CLOSED;
            d.retired.remove(c);
            d.defer(c.link::disconnect);
            d.defer(d.listener::changed);
        }
    }

    /** The server broke the protocol on {@code c}: hard disconnect, and carry on elsewhere. */
    void violation(Conn c, String what) {
        c.violated = true;
        LOG.warn("{}: protocol violation on {}: {}; closing it", d.settings.target(), c, what);
        d.defer(c.link::abort);
        closedLocked(c, false);
        d.dispatch();
    }

    /**
     * A user's action: closes live connection {@code index} (in the order they came up) with RST, as a network
     * failure would; its requests go to the other connections, or wait for the replacement. Null when there is no
     * such connection, else its name.
     */
    String drop(int index) {
        d.lock.lock();
        try {
            if (index < 0 || index >= d.live.size()) {
                return null;
            }
            Conn c = d.live.get(index);
            LOG.info("{}: dropping {} as asked", d.settings.target(), c);
            d.defer(c.link::abort);
            closedLocked(c, false);
            d.dispatch();
            return c.toString();
        } finally {
            d.unlock();
        }
    }

    /**
     * A user's action: closes every connection (live and retired) with RST, as a network failure would; their
     * requests wait for the connections the supervisor opens again. Returns how many were closed.
     */
    int dropAll() {
        d.lock.lock();
        try {
            List<Conn> all = new ArrayList<>(d.live);
            all.addAll(d.retired);
            LOG.info("{}: dropping every connection ({}) as asked", d.settings.target(), all.size());
            for (Conn c : all) {
                d.defer(c.link::abort);
                closedLocked(c, false);
            }
            d.dispatch();
            return all.size();
        } finally {
            d.unlock();
        }
    }

    /** The live connections' count (for the user's actions). */
    int liveCount() {
        d.lock.lock();
        try {
            return d.live.size();
        } finally {
            d.unlock();
        }
    }

    /** A FLUSH sent to several connections will be planned again: its other parts no longer count. */
    void abandonParts(ClientRequest r) {
        if (r.flushTargets == null) {
            return;
        }
        for (Conn t : r.flushTargets) {
            for (Attempt a : t.wire.values()) {
                if (a.request == r) {
                    a.request = null;
                    t.active--;
                }
            }
        }
    }

    /** Periodic: stalls, retired connections past hope, ghost grace, dead time. */
    void tick() {
        d.lock.lock();
        try {
            long now = d.now();
            long stall = d.settings.stallNanos();
            for (Conn c : List.copyOf(d.live)) {
                if (now - c.lastProgressNanos > stall && c.overdue(now, stall)) {
                    retire(c, "no reply for " + stall / 1_000_000 + " ms");
                }
            }
            for (Conn c : List.copyOf(d.retired)) {
                if (now - c.retiredNanos > d.settings.deadNanos()) {
                    LOG.warn("{}: {} still silent after {} ms; resetting it", d.settings.target(), c,
                            d.settings.deadNanos() / 1_000_000);
                    d.defer(c.link::abort);
                    closedLocked(c, false);
                }
            }
            Iterator<GhostRelease> it = graceReleases.iterator();
            while (it.hasNext()) {
                GhostRelease g = it.next();
                if (now - g.atNanos() >= 0) {
                    d.locks.release(g.lock());
                    it.remove();
                }
            }
            if (d.live.isEmpty() && !d.dead && d.downSinceNanos >= 0 && now - d.downSinceNanos > d.settings.deadNanos()) {
                d.dead = true;
                failQueued("no connection to " + d.settings.target() + " for " + d.settings.deadNanos() / 1_000_000
                        + " ms");
                d.defer(d.listener::changed);
            }
            if (d.log.anyUnconfirmed()) {
                d.queueAutoFlush(); // writes sent without a reply are confirmed at least once a tick
            }
            d.dispatch();
        } finally {
            d.unlock();
        }
    }

    /** Fails every queued caller request with EIO (replays stay: they wait for the server to return). */
    void failQueued(String reason) {
        Iterator<ClientRequest> it = d.queue.values().iterator();
        while (it.hasNext()) {
            ClientRequest r = it.next();
            if (r.replayOf != null) {
                continue;
            }
            it.remove();
            if (r.command == Command.FLUSH) {
                d.queuedFlushes--;
            }
            d.finish(r, null, new NbdException(NbdError.EIO, reason));
        }
    }

    /** Authentication, authorisation or a missing export: nothing will get better by retrying. */
    void fatal(String reason) {
        d.lock.lock();
        try {
            if (d.fatal == null) {
                d.fatal = reason;
                failQueued(reason);
                d.defer(d.listener::changed);
            }
        } finally {
            d.unlock();
        }
    }

    /** Closing the device: fail what waits, let the connections go, drop the replay log. */
    List<Conn> close() {
        d.lock.lock();
        try {
            d.closed = true;
            failQueued("device closed");
            List<Conn> all = new ArrayList<>(d.live);
            all.addAll(d.retired);
            for (Conn c : all) {
                for (Attempt a : c.wire.values()) {
                    ClientRequest r = a.request;
                    if (r != null) {
                        a.request = null;
                        d.finish(r, null, new NbdException(NbdError.EIO, "device closed"));
                    }
                    if (a.assembly != null) {
                        a.assembly.discard();
                    }
                }
                c.state = Conn.State.CLOSED;
                c.wire.clear();
            }
            d.live.clear();
            d.retired.clear();
            for (ClientRequest r : d.queue.values()) {
                if (r.data != null) {
                    r.data.release();
                    r.data = null;
                }
            }
            d.queue.clear();
            d.log.clear();
            return all;
        } finally {
            d.unlock();
        }
    }
}
