package org.enbd.transport.raw.initiator;

import java.time.Duration;

/**
 * How an initiator behaves.
 *
 * @param window       frames in flight at most (the target's buffer count lowers it)
 * @param minimumRto   the retransmission timeout's floor
 * @param maximumRto   its ceiling (also the pace of config queries while the target is silent)
 * @param deadTime     how long requests wait while the target answers nothing before they fail with EIO;
 *                     zero waits for ever
 */
public record InitiatorOptions(int window, Duration minimumRto, Duration maximumRto, Duration deadTime) {
    public static final InitiatorOptions DEFAULT = new InitiatorOptions(64, Duration.ofMillis(2),
            Duration.ofSeconds(1), Duration.ZERO);

    public InitiatorOptions {
        if (window < 1 || window > 4096) {
            throw new IllegalArgumentException("window " + window + " is not in 1-4096");
        }
        if (minimumRto.isNegative() || minimumRto.isZero() || maximumRto.compareTo(minimumRto) < 0) {
            throw new IllegalArgumentException("retransmission timeouts: 0 < minimum <= maximum");
        }
        if (deadTime.isNegative()) {
            throw new IllegalArgumentException("dead time must not be negative");
        }
    }

    public InitiatorOptions withDeadTime(Duration value) {
        return new InitiatorOptions(window, minimumRto, maximumRto, value);
    }

    public InitiatorOptions withWindow(int value) {
        return new InitiatorOptions(value, minimumRto, maximumRto, deadTime);
    }
}
