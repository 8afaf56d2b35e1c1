package org.enbd.server;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bytes that all connections of one server may hold at once for requests being served: payloads received and
 * replies not yet flushed to the socket ({@link ServerLimits#serverBudget()}). Each connection also has its own
 * budget; a request takes its bytes from both before its payload is read or its reply allocated, and gives them
 * back when its reply has left for the socket. A connection refused here waits until another gives bytes back.
 * Thread-safe: connections on every event loop share one.
 */
public final class MemoryBudget {
    private final long limit;
    private final AtomicLong used = new AtomicLong();
    private final ConcurrentLinkedQueue<Runnable> waiting = new ConcurrentLinkedQueue<>();

    public MemoryBudget(long limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("a memory budget must be positive: " + limit);
        }
        this.limit = limit;
    }

    /** Takes {@code bytes} if they fit under the limit; returns false (taking nothing) otherwise. */
    public boolean reserve(long bytes) {
        long now;
        do {
            now = used.get();
            if (now + bytes > limit) {
                return false;
            }
        } while (!used.compareAndSet(now, now + bytes));
        return true;
    }

    /** Gives back bytes taken by {@link #reserve}, and wakes whoever waits for them. */
    public void release(long bytes) {
        used.addAndGet(-bytes);
        for (Runnable wake; (wake = waiting.poll()) != null; ) {
            wake.run();
        }
    }

    /**
     * Runs {@code wake} once, when bytes are next given back (at once if {@code bytes} already fit again); it must
     * only hand work to its connection's event loop, and the connection must try {@link #reserve} again.
     */
    public void await(long bytes, Runnable wake) {
        waiting.add(wake);
        if (used.get() + bytes <= limit && waiting.remove(wake)) {
            wake.run();
        }
    }

    /** Bytes held now. */
    public long used() {
        return used.get();
    }

    public long limit() {
        return limit;
    }
}
