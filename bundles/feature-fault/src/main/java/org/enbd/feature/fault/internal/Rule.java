package org.enbd.feature.fault.internal;

import java.nio.file.Path;
import org.enbd.api.NbdError;

/**
 * What the fault feature does to one command of one export.
 *
 * @param delayNanos how long each request waits before it goes on (0: not at all)
 * @param error      the error injected, or null for none
 * @param rate       the share of requests that fail with {@code error}, 0..1
 * @param file       inject only while this file exists, or null for always
 * @param source     the parameter that set the error, for the message a client gets
 */
record Rule(long delayNanos, NbdError error, double rate, Path file, String source) {
    static final Rule NONE = new Rule(0, null, 0, null, "");

    Rule {
        if (delayNanos < 0 || rate < 0 || rate > 1) {
            throw new IllegalArgumentException("delay " + delayNanos + " ns, rate " + rate);
        }
    }

    /** Nothing to do: requests go straight on. */
    boolean inert() {
        return delayNanos == 0 && (error == null || rate == 0);
    }
}
