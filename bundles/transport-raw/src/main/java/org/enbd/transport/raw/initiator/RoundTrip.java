package org.enbd.transport.raw.initiator;

/**
 * The retransmission timer of an initiator, after Jacobson and Karels (RFC 6298): a smoothed round trip and its
 * variation from the answers to frames sent once (Karn: a retransmitted frame's answer says nothing), the timeout
 * SRTT + 4 RTTVAR between a floor and a ceiling, doubled for each retransmission of a frame. An expiry also backs
 * the timer off for frames sent afterwards (RFC 6298 5.5: a pause longer than the timeout, a stalled guest or a
 * busy target, times out every frame in flight, and new frames sent at the normal timeout would time out again
 * with the same pause); the first answer to a frame sent once ends the back-off (5.7, with Karn's rule). Used by
 * one thread.
 */
final class RoundTrip {
    private final long minimumNanos;
    private final long maximumNanos;
    private long smoothed = -1;
    private long variation;
    private int backoff;

    RoundTrip(long minimumNanos, long maximumNanos) {
        this.minimumNanos = minimumNanos;
        this.maximumNanos = maximumNanos;
    }

    /** The answer to a frame sent once came {@code nanos} after it was sent. */
    void sample(long nanos) {
        backoff = 0;
        if (smoothed < 0) {
            smoothed = nanos;
            variation = nanos / 2;
        } else {
            long error = nanos - smoothed;
            smoothed += error / 8;
            variation += (Math.abs(error) - variation) / 4;
        }
    }

    /** A frame's timer expired: frames sent from now on wait twice as long, until an answer to a frame sent once. */
    void expired() {
        backoff = Math.min(backoff + 1, 16);
    }

    /** How long to wait for the answer to a frame sent {@code sends} times. */
    long timeout(int sends) {
        long base = smoothed < 0 ? maximumNanos / 4 : smoothed + 4 * variation;
        long backedOff = base << Math.min(Math.max(backoff, sends - 1), 16);
        return Math.clamp(backedOff, minimumNanos, maximumNanos);
    }

    /** The smoothed round trip in nanoseconds, -1 before the first sample. */
    long smoothed() {
        return smoothed;
    }
}
