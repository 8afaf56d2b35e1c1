package org.enbd.itest.loopguard;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * Blocking calls on event loops that ENBD-J's production code is known to make and that are not fixed yet.
 *
 * <p>This list is meant to shrink to nothing: fix the call, delete its entry, and the guard fails any test that
 * makes it again. An entry is narrow on purpose: it tolerates one call ({@code via}) made directly from one
 * method ({@code site}, the innermost ENBD-J frame), so any other blocking call in that method, or the same call
 * from anywhere else, still fails the test. Each tolerated call is counted, and the counts are printed after
 * every test class ({@code [loop-guard] tolerated ...}).
 */
final class KnownViolations {
    /**
     * One tolerated call.
     *
     * @param site the innermost ENBD-J method on the stack ({@code class.method}, any line, any overload)
     * @param via the method {@code site} called that ended up blocking ({@code class.method})
     * @param why the violation as found, and what a fix looks like
     */
    record Known(String site, String via, String why) {
        boolean matches(Violation v) {
            List<StackTraceElement> stack = v.stack();
            for (int i = 1; i < stack.size(); i++) {
                if (stack.get(i).getClassName().startsWith("org.enbd.")) {
                    return name(stack.get(i)).equals(site) && name(stack.get(i - 1)).equals(via);
                }
            }
            return false;
        }

        private static String name(StackTraceElement f) {
            return f.getClassName() + "." + f.getMethodName();
        }
    }

    private static final String LOCK = "java.util.concurrent.locks.ReentrantLock.lock";
    private static final String ENGINE_LOCK = "the client engine's one lock (Dispatcher.lock, a ReentrantLock "
            + "shared by every connection's event loop and the submitting threads) is contended, so the loop parks "
            + "(or spins in AbstractQueuedSynchronizer.acquire) until the holder is done; fix: confine the engine "
            + "state to one event loop (hand work to it with execute()) or make this path lock-free, then delete "
            + "this entry";

    /**
     * Found by running server-interop and client-resilience under the guard at commit 47616db (the client entries
     * by ServerRestartTest and StallTest).
     */
    static final List<Known> LIST = List.of(
            new Known("org.enbd.client.internal.Replies.onReply", LOCK,
                    "every reply: NbdConnection.channelRead0 -> Dispatcher.onReply -> Replies.onReply takes the lock; "
                            + ENGINE_LOCK),
            new Known("org.enbd.client.internal.Recovery.attach", LOCK,
                    "handshake done: ClientHandshake.done -> Supervisor initChannel callback -> Recovery.attach; "
                            + ENGINE_LOCK),
            new Known("org.enbd.client.internal.Recovery.closed", LOCK,
                    "channel inactive: NbdConnection.channelInactive -> Recovery.closed; " + ENGINE_LOCK),
            new Known("org.enbd.client.internal.Supervisor.status", LOCK,
                    "Supervisor.changed -> status(), run from Dispatcher.unlock's deferred actions and from "
                            + "Supervisor.attemptDone on the loop; " + ENGINE_LOCK),
            new Known("org.enbd.client.internal.Supervisor.liveCount", LOCK,
                    "Supervisor.pump -> liveCount(), from a reconnect attempt's completion on the loop; "
                            + ENGINE_LOCK),
            new Known("org.enbd.client.internal.Recovery.tick", LOCK,
                    "the stall/dead-time ticker Supervisor schedules on an event loop (scheduleAtFixedRate) -> "
                            + "Recovery.tick; " + ENGINE_LOCK));

    private static final Map<Known, AtomicLong> TOLERATED = new ConcurrentHashMap<>();

    private KnownViolations() {
    }

    /** Whether {@code v} is listed; if so it is counted. Called on the loop thread: must not block. */
    static boolean tolerate(Violation v) {
        for (Known k : LIST) {
            if (k.matches(v)) {
                TOLERATED.computeIfAbsent(k, x -> new AtomicLong()).incrementAndGet();
                return true;
            }
        }
        return false;
    }

    /** How often each listed call was tolerated so far in this JVM, one line each; empty if none was. */
    static String tolerated() {
        return LIST.stream().filter(TOLERATED::containsKey)
                .map(k -> TOLERATED.get(k).get() + " x " + k.via() + " from " + k.site())
                .collect(Collectors.joining("; "));
    }
}
