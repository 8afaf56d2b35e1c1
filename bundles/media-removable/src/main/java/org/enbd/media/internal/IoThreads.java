package org.enbd.media.internal;

import java.util.concurrent.Executor;
import java.util.concurrent.LinkedTransferQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads a removable medium's system calls block on (reads, writes, ioctls): a fixed pool started up front,
 * so a hand-off from an event loop never takes a lock (the file backend's BlockingIo does the same, for the same
 * reason). Owned by the component, stopped and joined when it deactivates.
 */
final class IoThreads implements Executor, AutoCloseable {
    private final ThreadPoolExecutor pool;

    IoThreads(int threads) {
        AtomicInteger n = new AtomicInteger();
        pool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.SECONDS, new LinkedTransferQueue<>(),
                task -> Thread.ofPlatform().name("enbd-media-io-" + n.incrementAndGet()).daemon().unstarted(task));
        pool.prestartAllCoreThreads();
    }

    @Override
    public void execute(Runnable task) {
        pool.execute(task);
    }

    /** Lets the queued calls finish, then waits for the threads to end. */
    @Override
    public void close() {
        pool.shutdown();
        try {
            if (!pool.awaitTermination(30, TimeUnit.SECONDS)) {
                pool.shutdownNow();
                pool.awaitTermination(30, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
