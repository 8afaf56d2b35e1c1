package org.enbd.itest.loopguard;

import java.util.List;
import reactor.blockhound.BlockHound;

/**
 * Blocking calls on event loops that ENBD-J's production code is known to make and that are not fixed yet.
 *
 * <p>Each entry lets the loop block inside one method, so a run can show the violations behind it. This list
 * is meant to shrink to nothing: fix the call, delete its entry, and the guard fails any test that makes it
 * again. A blocking call that is not listed here fails the test that made it.
 */
final class KnownViolations {
    /**
     * One allowance.
     *
     * @param className the class whose method may block
     * @param methodName the method (every overload) inside which blocking calls are allowed
     * @param why the violation: thread, blocking call, where, and what a fix looks like
     */
    record Known(String className, String methodName, String why) {
    }

    static final List<Known> LIST = List.of();

    private KnownViolations() {
    }

    static void applyTo(BlockHound.Builder builder) {
        LIST.forEach(k -> builder.allowBlockingCallsInside(k.className(), k.methodName()));
    }
}
