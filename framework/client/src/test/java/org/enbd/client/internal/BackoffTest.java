package org.enbd.client.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BackoffTest {
    private static final long MS = 1_000_000;

    @Test
    void delaysDoubleUpToTheMaximumWithHalfOfEachRandom() {
        Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofMillis(1000), new SplittableRandom(7));
        long[] ceilings = {100, 200, 400, 800, 1000, 1000, 1000};
        for (long ceiling : ceilings) {
            long d = b.nextDelayNanos();
            assertTrue(d >= ceiling * MS / 2 && d <= ceiling * MS, d / MS + " ms within [" + ceiling / 2 + ", "
                    + ceiling + "]");
        }
    }

    @Test
    void jitterSpreadsClientsApart() {
        Backoff b1 = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(5), new SplittableRandom(1));
        Backoff b2 = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(5), new SplittableRandom(2));
        int same = 0;
        for (int i = 0; i < 6; i++) {
            same += b1.nextDelayNanos() == b2.nextDelayNanos() ? 1 : 0;
        }
        assertTrue(same < 6);
    }

    @Test
    void successStartsAgainFromTheMinimum() {
        Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(5), new SplittableRandom(3));
        for (int i = 0; i < 10; i++) {
            b.nextDelayNanos();
        }
        b.reset();
        assertEquals(0, b.failures());
        assertTrue(b.nextDelayNanos() <= 100 * MS);
    }
}
