package org.enbd.client.internal;

import java.util.concurrent.ConcurrentHashMap;
import org.enbd.client.internal.OverlapTable.RangeLock;
import org.enbd.protocol.Command;
import org.enbd.protocol.EnbdExtension;

/**
 * One connection as the dispatcher sees it: its requests on the wire by cookie, and whether it still takes new
 * ones. A stalled connection is RETIRED: nothing new goes to it, its requests were resubmitted elsewhere, and it
 * stays open only to learn when the copies it still holds are dead. Guarded by the dispatcher's lock, except
 * {@link #readLength}, which the reply decoder calls from the event loop.
 */
final class Conn {
    enum State { LIVE, RETIRED, CLOSED }

    /** One request on this connection's wire. */
    static final class Attempt {
        final long cookie;
        final Command command;
        final long offset;
        final long length;
        final long sentNanos;
        /** The request this answers; null once retracted (a ghost) or abandoned. */
        ClientRequest request;
        /** For a retracted write: the range it still holds until it is known dead. */
        RangeLock ghost;
        ReplyAssembly assembly;

        Attempt(long cookie, Command command, long offset, long length, long sentNanos, ClientRequest request) {
            this.cookie = cookie;
            this.command = command;
            this.offset = offset;
            this.length = length;
            this.sentNanos = sentNanos;
            this.request = request;
        }
    }

    final int id;
    /** The route it was opened for (see {@link Dispatcher#generation}): older ones are retired for newer. */
    final int generation;
    final Link link;
    final Session session;
    final ConcurrentHashMap<Long, Attempt> wire = new ConcurrentHashMap<>();
    State state = State.LIVE;
    /** The next cookie to hand out; see {@link #allocateCookie()}. */
    long nextCookie = 1;
    /** Attempts on the wire that still carry a request: the load for "least outstanding". */
    int active;
    long lastProgressNanos;
    long retiredNanos;
    /** The server broke the protocol on this connection (set before it is closed; read by the supervisor). */
    volatile boolean violated;

    Conn(int id, int generation, Link link, Session session, long now) {
        this.id = id;
        this.generation = generation;
        this.link = link;
        this.session = session;
        this.lastProgressNanos = now;
    }

    /**
     * A cookie for a new request on this connection: counting up, skipping {@link EnbdExtension#EVENT_COOKIE},
     * which the server uses for the events it pushes, so an event is never taken for a reply.
     */
    long allocateCookie() {
        long cookie = nextCookie++;
        if (cookie == EnbdExtension.EVENT_COOKIE) {
            cookie = nextCookie++;
        }
        return cookie;
    }

    /** Bytes of data a simple reply to {@code cookie} carries (the decoder cannot know it otherwise). */
    int readLength(long cookie) {
        Attempt a = wire.get(cookie);
        return a != null && a.command == Command.READ ? (int) a.length : 0;
    }

    /**
     * Whether a request on this connection has waited past its stall budget: {@code stallNanos} on its first
     * attempt, doubling with each retraction (up to 64 times), so that a server that is merely slow, and slow on
     * every connection, still gets to answer instead of seeing the same request retracted forever.
     */
    boolean overdue(long now, long stallNanos) {
        for (Attempt a : wire.values()) {
            ClientRequest r = a.request;
            if (r != null && now - a.sentNanos > stallNanos << Math.min(r.attempts, 6)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return link.describe();
    }
}
