package org.enbd.itest.loopguard;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** An allow-list entry tolerates one call from one ENBD-J method, and nothing around it. */
class KnownViolationsTest {
    private static final StackTraceElement PARK = frame("jdk.internal.misc.Unsafe", "park");
    private static final StackTraceElement AQS =
            frame("java.util.concurrent.locks.AbstractQueuedSynchronizer", "acquire");
    private static final StackTraceElement LOCK = frame("java.util.concurrent.locks.ReentrantLock", "lock");
    private static final StackTraceElement ON_REPLY = frame("org.enbd.client.internal.Replies", "onReply");
    private static final StackTraceElement CHANNEL_READ =
            frame("org.enbd.client.internal.NbdConnection", "channelRead0");
    private static final StackTraceElement LOOP = frame("io.netty.channel.SingleThreadIoEventLoop", "run");

    @Test
    void theEngineLockTakenInReplyHandlingIsTolerated() {
        assertTrue(KnownViolations.tolerate(violation(PARK, AQS, LOCK, ON_REPLY, CHANNEL_READ, LOOP)));
        assertTrue(KnownViolations.tolerated().contains("from org.enbd.client.internal.Replies.onReply"),
                KnownViolations.tolerated());
    }

    @Test
    void anotherBlockingCallInTheSameMethodIsNot() {
        StackTraceElement sleep = frame("java.lang.Thread", "sleep");
        assertFalse(KnownViolations.tolerate(violation(frame("java.lang.Thread", "sleepNanos0"), sleep, ON_REPLY,
                CHANNEL_READ, LOOP)));
    }

    @Test
    void theSameLockTakenFromAnUnlistedMethodIsNot() {
        StackTraceElement server = frame("org.enbd.server.TransmissionPhase", "channelRead0");
        assertFalse(KnownViolations.tolerate(violation(PARK, AQS, LOCK, server, LOOP)));
        // the first ENBD-J frame decides: a listed method further out does not cover an unlisted one inside it
        StackTraceElement inner = frame("org.enbd.client.internal.Dispatcher", "somethingNew");
        assertFalse(KnownViolations.tolerate(violation(PARK, AQS, LOCK, inner, ON_REPLY, CHANNEL_READ, LOOP)));
    }

    @Test
    void aStackWithoutEnbdFramesIsNot() {
        assertFalse(KnownViolations.tolerate(violation(PARK, AQS, LOCK, LOOP)));
    }

    private static Violation violation(StackTraceElement... stack) {
        return new Violation("enbd-io-1-1", stack[0].getClassName() + "." + stack[0].getMethodName(), List.of(stack));
    }

    private static StackTraceElement frame(String className, String method) {
        return new StackTraceElement(className, method, null, -1);
    }
}
