package org.enbd.client.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.layer.ExportEvent;
import org.enbd.api.layer.RequestFlags;
import org.enbd.client.internal.Conn.Attempt;
import org.enbd.protocol.Command;
import org.enbd.protocol.EnbdExtension;
import org.enbd.protocol.Reply;
import org.enbd.protocol.ReplyChunk;
import org.enbd.protocol.ReplyType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What comes back from the server: matches each reply to its attempt by cookie, assembles structured replies,
 * completes the request (or resolves a ghost), keeps acknowledged writes in the replay log and counts FLUSH parts.
 * Runs under the {@link Dispatcher}'s lock, on the connection's event loop.
 */
final class Replies {
    private static final Logger LOG = LoggerFactory.getLogger(Replies.class);
    /** Zeroes and trims carry no data but still count: the log flushes by itself past this many entries. */
    private static final int MAX_LOG_ENTRIES = 1 << 16;

    private final Dispatcher d;
    /** The last medium event published. */
    private ExportEvent.MediumChanged medium;

    Replies(Dispatcher d) {
        this.d = d;
    }

    /** A reply message arrived on {@code c} (called on its event loop; takes over the message's reference). */
    void onReply(Conn c, Reply reply) {
        if (isEvent(c, reply)) {
            event(c, (ReplyChunk.Enbd) reply);
            return;
        }
        d.lock.lock();
        try {
            Attempt a = c.wire.get(reply.cookie());
            if (a == null) {
                reply.release();
                d.recovery.violation(c, "reply with unknown cookie " + Long.toHexString(reply.cookie()));
                return;
            }
            if (a.assembly == null) {
                a.assembly = new ReplyAssembly(a.command, a.offset, a.length, c.session.allocationContext(),
                        a.request != null ? a.request.alloc : ByteBufAllocator.DEFAULT);
            }
            boolean done;
            try {
                done = a.assembly.accept(reply);
            } catch (ReplyAssembly.Violation v) {
                d.recovery.violation(c, v.getMessage());
                return;
            }
            if (!done) {
                return; // chunks are no progress: a reply that never ends must not hold off the stall timeout
            }
            c.lastProgressNanos = d.clock.getAsLong();
            c.wire.remove(a.cookie);
            ClientRequest r = a.request;
            if (r == null) {
                a.assembly.discard();
                d.locks.release(a.ghost);
                d.recovery.ghostResolved(c);
            } else {
                c.active--;
                answered(r, a, c);
            }
            d.dispatch();
        } finally {
            d.unlock();
        }
    }

    /**
     * A chunk the server pushed on its own: {@link EnbdExtension#EVENT_COOKIE}, type ENBD_EVENT, on a connection
     * that negotiated the extension. It answers no request, so it neither counts as progress against a stall nor
     * is checked as a reply. Anything else with that cookie is a reply to a cookie never used: a violation.
     */
    private static boolean isEvent(Conn c, Reply reply) {
        return reply.cookie() == EnbdExtension.EVENT_COOKIE && c.session.enbd()
                && reply instanceof ReplyChunk.Enbd e && e.type() == ReplyType.ENBD_EVENT;
    }

    /** Decodes and publishes an event, unlocked; one this version cannot read is logged and dropped. */
    private void event(Conn c, ReplyChunk.Enbd chunk) {
        ExportEvent event;
        try {
            event = EnbdExtension.decodeEvent(chunk.data());
        } catch (IllegalArgumentException e) {
            LOG.warn("{}: ignoring an event from {} that this client cannot read: {}", d.settings.target(), c,
                    e.getMessage());
            return;
        } finally {
            chunk.release();
        }
        if (news(event)) {
            d.listener.event(event);
        }
    }

    /**
     * Whether {@code event} changes what the device knows. The server tells every connection, so each change
     * arrives once per connection; events are states (a size, a medium), so the first to arrive is published and
     * the copies are not.
     */
    private synchronized boolean news(ExportEvent event) {
        return switch (event) {
            case ExportEvent.SizeChanged s -> {
                boolean changed = s.size() != d.size;
                d.size = s.size();
                yield changed;
            }
            case ExportEvent.MediumChanged m -> {
                boolean changed = !m.equals(medium);
                medium = m;
                yield changed;
            }
        };
    }

    private void answered(ClientRequest r, Attempt a, Conn c) {
        int error = a.assembly.error();
        if (error == NbdError.ESHUTDOWN.value()) {
            a.assembly.discard();
            d.requeue(r);
            d.recovery.retire(c, "server is shutting down (ESHUTDOWN)");
            return;
        }
        if (r.command == Command.FLUSH) {
            flushPartDone(r, c, error, a.assembly.message());
            return;
        }
        if (error != 0) {
            a.assembly.discard();
            if (r.replayOf != null) {
                LOG.warn("{}: replay of {} failed on {}: error {} {}", d.settings.target(), r, c, error,
                        a.assembly.message());
                r.replayOf.replayLock = null;
                d.log.forget(r.replayOf);
            }
            d.finish(r, null, new NbdException(NbdError.fromValue(error), d.describe(r) + " failed on "
                    + d.settings.target() + (a.assembly.message().isEmpty() ? "" : ": " + a.assembly.message())));
            return;
        }
        Object result = a.assembly.result();
        if (r.writeKind()) {
            acked(r, c);
        }
        d.finish(r, result, null);
    }

    private void acked(ClientRequest r, Conn c) {
        d.acknowledged++;
        ReplayLog.Entry replayed = r.replayOf;
        if (replayed != null) {
            replayed.ackedOn = c;
            d.locks.release(replayed.replayLock);
            replayed.replayLock = null;
            return;
        }
        if (!d.logging() || (RequestFlags.has(r.flags, RequestFlags.FUA) && c.session.fua())) {
            return;
        }
        ByteBuf kept = null;
        if (r.command == Command.WRITE) {
            if (r.ownsData) {
                kept = r.data;
                r.data = null;
            } else {
                // a pooled direct buffer from the connection's allocator: no zeroing, no cleaner, freed to the pool
                int n = r.data.readableBytes();
                kept = c.link.alloc().directBuffer(n, n).writeBytes(r.data, r.data.readerIndex(), n);
            }
        }
        d.log.add(new ReplayLog.Entry(r.seq, ++d.ackSeq, r.command, r.offset, r.length, r.flags & ~RequestFlags.FUA,
                kept, c));
        if (d.log.bytes() > d.settings.replayLimit() || d.log.size() > MAX_LOG_ENTRIES) {
            d.queueAutoFlush();
        }
    }

    private void flushPartDone(ClientRequest r, Conn c, int error, String message) {
        if (r.flushPartsPending <= 0) {
            return;
        }
        if (error != 0) {
            r.flushPartsPending = 0;
            d.recovery.abandonParts(r);
            // the server completed every unanswered write sent before this FLUSH, and one of them (at least) failed
            // or the flush did: each is sent again with a reply, so the one that fails says so and the rest land
            d.recovery.replayUnconfirmed(c, r.flushCutoff, true);
            NbdException failure = new NbdException(NbdError.fromValue(error), "FLUSH failed on "
                    + d.settings.target() + (message.isEmpty() ? "" : ": " + message));
            if (r.future == null && d.unreportedFlushFailure == null) {
                d.unreportedFlushFailure = failure; // a flush of the engine's own: the caller's next FLUSH says it
            }
            d.finish(r, null, failure);
            return;
        }
        if (--r.flushPartsPending == 0) {
            d.log.flushed(r.flushCutoff, r.flushTargets, d.first.multiConn(), d.locks::release);
            d.finish(r, null, null);
        }
    }

    /**
     * A WRITE went out without a reply (async no-ack): for its caller it is done now; the log keeps its data and
     * its range lock until a FLUSH on {@code c} confirms it.
     */
    void sentUnanswered(ClientRequest r, Conn c) {
        d.acknowledged++;
        d.unanswered++;
        ByteBuf kept;
        if (r.ownsData) {
            kept = r.data;
            r.data = null;
        } else {
            int n = r.data.readableBytes();
            kept = c.link.alloc().directBuffer(n, n).writeBytes(r.data, r.data.readerIndex(), n);
        }
        ReplayLog.Entry e = new ReplayLog.Entry(r.seq, ++d.ackSeq, r.command, r.offset, r.length,
                r.flags & ~EnbdExtension.FLAG_NO_REPLY, kept, c);
        e.unconfirmedOn = c;
        e.confirmLock = r.lock;
        r.lock = null;
        d.log.add(e);
        if (d.log.bytes() > d.settings.replayLimit() || d.log.size() > MAX_LOG_ENTRIES) {
            d.wantAutoFlush = true;
        }
        d.finish(r, null, null);
    }
}
