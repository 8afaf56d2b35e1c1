package org.enbd.transport.raw.initiator;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The retransmission timer: RFC 6298's estimate, its per-frame doubling and its back-off after an expiry. */
class RoundTripTest {
    private static final long MS = 1_000_000L;

    private static RoundTrip steadyAt(long nanos) {
        RoundTrip timer = new RoundTrip(MS, 1000 * MS);
        for (int i = 0; i < 64; i++) {
            timer.sample(nanos);
        }
        return timer;
    }

    @Test
    void theTimeoutFollowsASteadyRoundTripAndDoublesPerRetransmission() {
        RoundTrip timer = steadyAt(10 * MS);
        long first = timer.timeout(1);
        assertEquals(10 * MS, first, 1 * MS); // SRTT 10 ms, RTTVAR decayed towards 0
        assertEquals(2 * first, timer.timeout(2));
        assertEquals(4 * first, timer.timeout(3));
    }

    @Test
    void anExpiryBacksOffNewFramesUntilAFrameSentOnceIsAnswered() {
        RoundTrip timer = steadyAt(10 * MS);
        long normal = timer.timeout(1);
        timer.expired();
        assertEquals(2 * normal, timer.timeout(1), "a frame sent after the expiry waits twice as long");
        timer.expired();
        assertEquals(4 * normal, timer.timeout(1));
        assertEquals(4 * normal, timer.timeout(2), "a retransmission is not doubled twice over");
        assertEquals(8 * normal, timer.timeout(4));
        timer.sample(10 * MS);
        assertEquals(normal, timer.timeout(1), "an answer to a frame sent once ends the back-off");
    }

    @Test
    void theTimeoutStaysBetweenTheFloorAndTheCeiling() {
        assertEquals(MS, steadyAt(MS / 100).timeout(1));
        RoundTrip timer = steadyAt(10 * MS);
        for (int i = 0; i < 40; i++) {
            timer.expired();
        }
        assertEquals(1000 * MS, timer.timeout(1));
        assertEquals(1000 * MS, timer.timeout(60));
    }
}
