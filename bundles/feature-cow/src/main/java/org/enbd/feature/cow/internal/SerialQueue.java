package org.enbd.feature.cow.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * Runs an overlay's changes one after another on the feature's I/O threads, without holding a thread while one
 * waits for the layer below: each operation starts on an I/O thread when the one before has finished, and its
 * stage may complete later (a read of the base for a partial block). So a read-modify-write never interleaves with
 * another change of the same block, and a flush covers every change queued before it.
 */
final class SerialQueue {
    private final Executor io;
    private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);

    SerialQueue(Executor io) {
        this.io = io;
    }

    /** Queues {@code operation}; the stage returned completes as its stage does. */
    synchronized <T> CompletableFuture<T> then(Supplier<? extends CompletionStage<T>> operation) {
        CompletableFuture<T> result = tail.thenComposeAsync(ignored -> operation.get(), io);
        tail = result.handle((value, failure) -> null);
        return result;
    }
}
