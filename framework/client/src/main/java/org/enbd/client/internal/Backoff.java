package org.enbd.client.internal;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Reconnect delays: exponential from {@code min} to {@code max}, with "equal jitter" (half the delay fixed, half
 * random) so that the connections of many clients, all cut by one server restart, do not return in lock-step.
 */
final class Backoff {
    private final long minNanos;
    private final long maxNanos;
    private final RandomGenerator random;
    private int failures;

    Backoff(Duration min, Duration max, RandomGenerator random) {
        this.minNanos = min.toNanos();
        this.maxNanos = Math.max(minNanos, max.toNanos());
        this.random = random;
    }

    /** The delay before the next attempt after one more failure. */
    synchronized long nextDelayNanos() {
        long ceiling = minNanos << Math.min(failures, 30);
        if (ceiling <= 0 || ceiling > maxNanos) {
            ceiling = maxNanos;
        }
        failures++;
        long half = ceiling / 2;
        return half + (half > 0 ? random.nextLong(half + 1) : 0);
    }

    /** A connection succeeded: start again from the smallest delay. */
    synchronized void reset() {
        failures = 0;
    }

    synchronized int failures() {
        return failures;
    }
}
