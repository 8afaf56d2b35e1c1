package org.enbd.client.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

/**
 * One caller's request split into several engine requests: completes when every part has, failing with the first
 * part's failure. A counter, not a list of futures, so splitting costs one object.
 */
final class Parts extends CompletableFuture<Void> implements BiConsumer<Object, Throwable> {
    private final AtomicInteger pending;
    private volatile Throwable firstFailure;

    Parts(int count) {
        this.pending = new AtomicInteger(count);
        if (count == 0) {
            complete(null);
        }
    }

    /** Adds one of the {@code count} parts. */
    void add(CompletableFuture<?> part) {
        part.whenComplete(this);
    }

    @Override
    public void accept(Object result, Throwable failure) {
        if (failure != null && firstFailure == null) {
            firstFailure = failure;
        }
        if (pending.decrementAndGet() == 0) {
            Throwable f = firstFailure;
            if (f == null) {
                complete(null);
            } else {
                completeExceptionally(f);
            }
        }
    }
}
