package org.enbd.feature.async.internal;

import io.netty.buffer.ByteBuf;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.enbd.api.NbdException;
import org.enbd.api.layer.Layer;
import org.enbd.api.layer.RequestFlags;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The no-ack mode of one client device: writes go to the remote device flagged {@link RequestFlags#NO_REPLY}, so
 * the engine sends them without a reply (when the server agreed) and completes them once sent; the engine keeps
 * each in its replay log, with its range locked, until a FLUSH on its connection confirms it, and sends it again
 * with a reply if that connection fails. This window bounds what is unconfirmed: once {@code window} bytes were
 * written since the last FLUSH, the next write waits for a FLUSH this class sends. The engine itself flushes
 * unconfirmed writes at least every tick (at most 500 ms) and whenever a request waits for one's range.
 *
 * <p>Errors: a FLUSH this class sent that fails (a write without a reply failed on the server, which reported it
 * with that FLUSH) is kept: later writes fail with it, and the caller's next FLUSH reports it, once, as fsync
 * reports a writeback error; the FLUSH after that is a plain one again. FUA writes are answered as usual.
 */
final class NoAckWindow {
    private static final Logger LOG = LoggerFactory.getLogger(NoAckWindow.class);

    private final String where;
    private final long window;
    private long sinceFlush;
    /** The FLUSH this class sent while the window was full; writes wait for it. */
    private CompletableFuture<Void> flushing;
    private NbdException failure;

    NoAckWindow(String where, long window) {
        this.where = where;
        this.window = window;
    }

    CompletionStage<Void> write(Layer next, long offset, ByteBuf data, int flags) {
        if (RequestFlags.has(flags, RequestFlags.FUA)) {
            return next.write(offset, data, flags); // its caller asked to know it is durable: answered as usual
        }
        CompletableFuture<Void> wait;
        synchronized (this) {
            if (failure != null) {
                return CompletableFuture.failedFuture(failure);
            }
            sinceFlush += data.readableBytes();
            if (sinceFlush < window && flushing == null) {
                wait = null;
            } else {
                if (flushing == null) {
                    sinceFlush = data.readableBytes();
                    flushing = startFlush(next);
                }
                wait = flushing;
            }
        }
        if (wait == null) {
            return next.write(offset, data, flags | RequestFlags.NO_REPLY);
        }
        // the caller's buffer is borrowed until this write's stage completes, so holding it while we wait is allowed
        return wait.handle((done, flushFailure) -> null).thenCompose(ignored -> {
            synchronized (this) {
                if (failure != null) {
                    return CompletableFuture.<Void>failedFuture(failure);
                }
            }
            return next.write(offset, data, flags | RequestFlags.NO_REPLY);
        });
    }

    private CompletableFuture<Void> startFlush(Layer next) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        next.flush(0).whenComplete((ok, error) -> {
            synchronized (this) {
                flushing = null;
                if (error != null && failure == null) {
                    failure = error instanceof NbdException n ? n
                            : error.getCause() instanceof NbdException n ? n
                            : new NbdException(org.enbd.api.NbdError.EIO, String.valueOf(error));
                    LOG.warn("{}: async=no-ack: a write the server did not answer failed ({}); later writes fail and "
                            + "the next FLUSH reports it", where, failure.getMessage());
                }
            }
            done.complete(null);
        });
        return done;
    }

    CompletionStage<Void> flush(Layer next, int flags) {
        NbdException kept;
        synchronized (this) {
            kept = failure;
            failure = null;
            sinceFlush = 0;
        }
        if (kept != null) {
            return CompletableFuture.failedFuture(kept);
        }
        return next.flush(flags);
    }
}
