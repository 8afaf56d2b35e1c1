package org.enbd.server.internal;

import java.util.ArrayDeque;
import java.util.TreeSet;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;

/**
 * One connection's writes served without a reply (ENBD's async no-ack, {@code EnbdExtension.FLAG_NO_REPLY}): which
 * are still running, the first failure among them, and the FLUSHes that wait for them. A FLUSH answers for every
 * unanswered write received before it, so it starts only once those have completed (later ones do not hold it
 * up), and its answer carries their first failure, once, as fsync reports a writeback error. Event loop only.
 */
final class UnansweredWrites {
    private final TreeSet<Long> running = new TreeSet<>();
    private final ArrayDeque<Waiting> flushes = new ArrayDeque<>();
    private long lastId;
    private NbdException failure;

    private record Waiting(long after, Runnable start) {
    }

    /** An unanswered write starts: its id, for {@link #completed}. */
    long started() {
        running.add(++lastId);
        return lastId;
    }

    /** An unanswered write (or one refused before it started) failed: the next FLUSH reports the first failure. */
    void failed(int errno, String message) {
        if (failure == null) {
            failure = new NbdException(NbdError.fromValue(errno), message);
        }
    }

    /** The write {@code id} has completed (or failed): FLUSHes waiting only for earlier writes start now. */
    void completed(long id) {
        running.remove(id);
        long oldest = running.isEmpty() ? Long.MAX_VALUE : running.first();
        while (!flushes.isEmpty() && flushes.peekFirst().after() < oldest) {
            flushes.pollFirst().start().run();
        }
    }

    /** Whether a FLUSH received now must wait: unanswered writes received before it are still running. */
    boolean pendingBefore() {
        return !running.isEmpty();
    }

    /** Runs {@code start} once every unanswered write received so far has completed. */
    void afterPending(Runnable start) {
        flushes.addLast(new Waiting(lastId, start));
    }

    boolean hasFailure() {
        return failure != null;
    }

    /** The kept failure, now reported: the next FLUSH is a plain one again. */
    NbdException takeFailure() {
        NbdException taken = failure;
        failure = null;
        return taken;
    }
}
