package org.enbd.itest.loopguard;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.blockhound.BlockHound;
import reactor.blockhound.BlockingMethod;

/**
 * BlockHound, installed once per JVM, recording every blocking call an event loop thread makes.
 *
 * <p>It records rather than throws: an error thrown inside a loop is often caught and logged by Netty or by the
 * handler that made the call, so the test would go on and pass. Recording lets the loop go on too (the call
 * blocks as it would in production) and lets {@link LoopGuardExtension} fail the test afterwards with every
 * call and its stack. BlockHound is JVM-wide by nature, so this state is static; it lives only in test JVMs.
 */
public final class LoopGuard {
    /** The JVM options BlockHound needs on JDK 25. */
    public static final String JVM_FLAGS =
            "-XX:+AllowRedefinitionToAddDeleteMethods -XX:+EnableDynamicAgentLoading -Dnet.bytebuddy.experimental=true";
    /** Stacks kept between two checks; beyond that only the count goes up (a blocking call in a hot path). */
    private static final int KEPT = 200;

    private static final ConcurrentLinkedQueue<Violation> RECORDED = new ConcurrentLinkedQueue<>();
    private static final AtomicInteger SEEN = new AtomicInteger();
    private static boolean installed;

    private LoopGuard() {
    }

    /** Installs BlockHound with ENBD-J's integration; later calls do nothing. */
    public static synchronized void install() {
        if (installed) {
            return;
        }
        try {
            // also applies every BlockHoundIntegration on the class path (Netty's marks its own allowed calls)
            BlockHound.install(new EnbdLoopIntegration());
        } catch (RuntimeException | LinkageError e) {
            throw new IllegalStateException("BlockHound did not install; on JDK 25 the test JVM needs " + JVM_FLAGS,
                    e);
        }
        installed = true;
    }

    /** Whether {@link #install()} succeeded in this JVM. */
    public static synchronized boolean installed() {
        return installed;
    }

    /**
     * Called by BlockHound on the loop thread, before the blocking call goes ahead: must not block itself. Calls
     * listed in {@link KnownViolations} are counted there instead.
     */
    static void record(BlockingMethod method) {
        Violation v = Violation.here(Thread.currentThread().getName(),
                method.getClassName().replace('/', '.') + "." + method.getName());
        if (!KnownViolations.tolerate(v) && SEEN.incrementAndGet() <= KEPT) {
            RECORDED.add(v);
        }
    }

    /** Takes everything recorded since the last call. */
    public static Recorded take() {
        int seen = SEEN.getAndSet(0);
        List<Violation> kept = new ArrayList<>();
        for (Violation v; (v = RECORDED.poll()) != null; ) {
            kept.add(v);
        }
        return new Recorded(kept, Math.max(seen, kept.size()));
    }

    /**
     * What {@link #take()} found.
     *
     * @param violations the calls with their stacks (at most a few hundred)
     * @param count how many blocking calls were made in all
     */
    public record Recorded(List<Violation> violations, int count) {
        public boolean isEmpty() {
            return count == 0;
        }

        /** A report: each distinct call site once, with how often it was hit, and its stack. */
        public String report() {
            Map<String, List<Violation>> bySite = new LinkedHashMap<>();
            violations.forEach(v -> bySite.computeIfAbsent(v.site(), s -> new ArrayList<>()).add(v));
            StringBuilder out = new StringBuilder().append(count).append(" blocking call(s) on event loop threads, ")
                    .append(bySite.size()).append(" distinct site(s)");
            if (count > violations.size()) {
                out.append(" (stacks kept for the first ").append(violations.size()).append(')');
            }
            bySite.values().forEach(same -> out.append("\n\n").append(same.size()).append(" x ")
                    .append(same.getFirst().describe()));
            return out.toString();
        }
    }
}
