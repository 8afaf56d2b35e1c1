package org.enbd.api.layer;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@link Layer#zero}'s default: zero bytes written a mebibyte at a time, each write started when the one before
 * completed, so an emulated zero of a large range holds one shared buffer and one request at a time.
 */
final class ZeroWriter {
    static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);
    private static final int CHUNK = 1 << 20;
    /** Read-only by convention: slices of it are only ever read. */
    private static final ByteBuf ZEROS = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(new byte[CHUNK]));

    private ZeroWriter() {
    }

    static CompletionStage<Void> write(Layer layer, long offset, long length, int flags) {
        CompletableFuture<Void> result = new CompletableFuture<>();
        next(layer, offset, offset + length, flags, result);
        return result;
    }

    private static void next(Layer layer, long at, long end, int flags, CompletableFuture<Void> result) {
        // loops while writes complete at once (no stack growth), chains when one completes later
        while (at < end) {
            int chunk = (int) Math.min(end - at, CHUNK);
            CompletableFuture<Void> step = layer.write(at, ZEROS.slice(0, chunk), flags).toCompletableFuture();
            long after = at + chunk;
            if (!step.isDone()) {
                step.whenComplete((v, failure) -> {
                    if (failure != null) {
                        result.completeExceptionally(failure);
                    } else {
                        next(layer, after, end, flags, result);
                    }
                });
                return;
            }
            if (step.isCompletedExceptionally()) {
                step.whenComplete((v, failure) -> result.completeExceptionally(failure));
                return;
            }
            at = after;
        }
        result.complete(null);
    }
}
