package org.enbd.feature.async.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.layer.Layer;
import org.enbd.api.layer.RequestFlags;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ack-late mode of one export or client device, shared by all its connections: the writes acknowledged
 * upward and not yet answered from below, their copies, the window that bounds them, and the error of one that
 * failed after it was acknowledged.
 *
 * <p>Rules (README, "ack-late"): a write is acknowledged once copied, while at most {@code windowBytes} are
 * acknowledged and unanswered (a write beyond waits, holding the caller's buffer, in order); a write, trim or zero
 * that overlaps unanswered writes is passed on only after they are answered, so overlapping changes land in the
 * order they were acknowledged; a read merges the copies of unanswered writes over what the layer below returns;
 * a FLUSH waits for every write acknowledged before it, then reports the first error of an early-acknowledged
 * write (once, as Linux reports a writeback error to fsync) or passes the FLUSH on. A FUA write is not
 * acknowledged early: its caller asked to know it is durable.
 *
 * <p>Nothing here blocks: the bookkeeping is a short critical section, and the stages of the layer below are
 * chained, never awaited. Unanswered writes are kept in a list in acknowledgement order and scanned for overlaps:
 * the window bounds its length (16 MiB of 4 KiB writes is 4096 entries).
 */
final class AckLateWindow {
    private static final Logger LOG = LoggerFactory.getLogger(AckLateWindow.class);

    private final String where;
    private final long windowBytes;
    private final Object lock = new Object();
    private final List<Unanswered> unanswered = new ArrayList<>();
    private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
    private long unansweredBytes;
    private long peakBytes;
    private NbdException lateFailure;

    /** A write acknowledged upward and not yet answered below: its range, its copy, and when it was answered. */
    private static final class Unanswered {
        final long offset;
        final int length;
        final ByteBuf copy;
        final CompletableFuture<Void> answered = new CompletableFuture<>();

        Unanswered(long offset, ByteBuf copy) {
            this.offset = offset;
            this.length = copy.readableBytes();
            this.copy = copy;
        }

        boolean overlaps(long otherOffset, long otherLength) {
            return offset < otherOffset + otherLength && otherOffset < offset + length;
        }
    }

    /** A write that did not fit in the window: it keeps the caller's buffer (borrowed until acknowledged). */
    private record Waiting(Layer next, long offset, ByteBuf data, int flags, CompletableFuture<Void> ack) {
    }

    /** A write admitted to the window, with the answers it must wait for before it is passed on. */
    private record Admitted(Layer next, Unanswered write, int flags, List<CompletableFuture<Void>> after) {
    }

    AckLateWindow(String where, long windowBytes) {
        this.where = where;
        this.windowBytes = windowBytes;
    }

    CompletionStage<Void> write(Layer next, long offset, ByteBuf data, int flags) {
        if (RequestFlags.has(flags, RequestFlags.FUA)) {
            return after(overlapping(offset, data.readableBytes()), () -> next.write(offset, data, flags));
        }
        Admitted admitted;
        synchronized (lock) {
            if (lateFailure != null) {
                return CompletableFuture.failedFuture(lateFailure);
            }
            if (!waiting.isEmpty() || !fits(data.readableBytes())) {
                CompletableFuture<Void> ack = new CompletableFuture<>();
                waiting.add(new Waiting(next, offset, data, flags, ack));
                return ack;
            }
            admitted = admit(next, offset, data, flags);
        }
        passOn(admitted);
        return Layer.done();
    }

    CompletionStage<ByteBuf> read(Layer next, long offset, int length, int flags, ByteBufAllocator alloc) {
        List<Unanswered> newer = new ArrayList<>();
        synchronized (lock) {
            for (Unanswered u : unanswered) {
                if (u.overlaps(offset, length)) {
                    u.copy.retain(); // the answer may come (and release it) before the read does
                    newer.add(u);
                }
            }
        }
        if (newer.isEmpty()) {
            return next.read(offset, length, flags, alloc);
        }
        return next.read(offset, length, flags, alloc).handle((buf, failure) -> {
            try {
                if (failure != null) {
                    throw failure instanceof CompletionException c ? c : new CompletionException(failure);
                }
                for (Unanswered u : newer) { // in acknowledgement order: the last one written wins
                    long from = Math.max(offset, u.offset);
                    long to = Math.min(offset + length, u.offset + u.length);
                    buf.setBytes(buf.readerIndex() + (int) (from - offset), u.copy,
                            u.copy.readerIndex() + (int) (from - u.offset), (int) (to - from));
                }
                return buf;
            } finally {
                newer.forEach(u -> u.copy.release());
            }
        });
    }

    CompletionStage<Void> flush(Layer next, int flags) {
        List<CompletableFuture<Void>> before = new ArrayList<>();
        synchronized (lock) {
            unanswered.forEach(u -> before.add(u.answered));
        }
        return after(before, () -> {
            NbdException failure;
            synchronized (lock) {
                failure = lateFailure;
                lateFailure = null;
            }
            if (failure != null) {
                return CompletableFuture.failedFuture(failure);
            }
            return next.flush(flags);
        });
    }

    /** A trim or zero: after the unanswered writes it overlaps, so it cannot be overtaken by an older write. */
    CompletionStage<Void> afterOverlapping(long offset, long length, java.util.function.Supplier<
            CompletionStage<Void>> change) {
        return after(overlapping(offset, length), change);
    }

    /** Bytes acknowledged and not yet answered, and the most there ever were (status, tests). */
    long[] figures() {
        synchronized (lock) {
            return new long[] {unansweredBytes, peakBytes};
        }
    }

    private boolean fits(int length) {
        return unansweredBytes == 0 || unansweredBytes + length <= windowBytes;
    }

    /** Under the lock: copies the data, enters it, and notes the unanswered writes it overlaps. */
    private Admitted admit(Layer next, long offset, ByteBuf data, int flags) {
        int length = data.readableBytes();
        List<CompletableFuture<Void>> after = new ArrayList<>();
        for (Unanswered u : unanswered) {
            if (u.overlaps(offset, length)) {
                after.add(u.answered);
            }
        }
        ByteBuf copy = data.alloc().directBuffer(length, length);
        copy.writeBytes(data, data.readerIndex(), length);
        Unanswered write = new Unanswered(offset, copy);
        unanswered.add(write);
        unansweredBytes += length;
        peakBytes = Math.max(peakBytes, unansweredBytes);
        return new Admitted(next, write, flags, after);
    }

    private void passOn(Admitted a) {
        Unanswered w = a.write();
        after(a.after(), () -> a.next().write(w.offset, w.copy, a.flags()))
                .whenComplete((ok, failure) -> answered(w, failure));
    }

    private void answered(Unanswered w, Throwable failure) {
        List<Admitted> admitted = new ArrayList<>();
        List<CompletableFuture<Void>> acks = new ArrayList<>();
        List<Waiting> refused = new ArrayList<>();
        NbdException refusal;
        synchronized (lock) {
            unanswered.remove(w);
            unansweredBytes -= w.length;
            if (failure != null && lateFailure == null) {
                lateFailure = new NbdException(NbdError.EIO, where + ": a write of " + w.length + " bytes at "
                        + w.offset + ", acknowledged before it reached the server (async=ack-late), failed: "
                        + message(failure), failure);
                LOG.warn("{} (the next FLUSH reports it, and writes fail until then)", lateFailure.getMessage());
            }
            while (!waiting.isEmpty() && (lateFailure != null || fits(waiting.peek().data().readableBytes()))) {
                Waiting next = waiting.poll();
                if (lateFailure != null) {
                    refused.add(next);
                } else {
                    admitted.add(admit(next.next(), next.offset(), next.data(), next.flags()));
                    acks.add(next.ack());
                }
            }
            refusal = lateFailure;
        }
        w.copy.release();
        w.answered.complete(null);
        for (int i = 0; i < admitted.size(); i++) {
            passOn(admitted.get(i));
            acks.get(i).complete(null); // copied: the caller may have its buffer back
        }
        refused.forEach(r -> r.ack().completeExceptionally(refusal));
    }

    private List<CompletableFuture<Void>> overlapping(long offset, long length) {
        List<CompletableFuture<Void>> after = new ArrayList<>();
        synchronized (lock) {
            for (Unanswered u : unanswered) {
                if (u.overlaps(offset, length)) {
                    after.add(u.answered);
                }
            }
        }
        return after;
    }

    private static <T> CompletionStage<T> after(List<CompletableFuture<Void>> before,
                                                java.util.function.Supplier<CompletionStage<T>> then) {
        if (before.isEmpty()) {
            return then.get();
        }
        return CompletableFuture.allOf(before.toArray(CompletableFuture[]::new)).thenCompose(x -> then.get());
    }

    private static String message(Throwable failure) {
        Throwable t = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause()
                : failure;
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }
}
