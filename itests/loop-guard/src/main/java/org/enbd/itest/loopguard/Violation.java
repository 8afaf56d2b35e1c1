package org.enbd.itest.loopguard;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * One blocking call made on an event loop thread.
 *
 * @param thread the loop thread's name
 * @param method the blocking JDK method, as BlockHound names it ({@code java.lang.Thread.sleepNanos0})
 * @param stack the call stack, innermost frame (the blocking method's caller chain) first
 */
public record Violation(String thread, String method, List<StackTraceElement> stack) {
    private static final int SHOWN_FRAMES = 40;

    static Violation here(String thread, String method) {
        StackTraceElement[] all = new Throwable().getStackTrace();
        int first = 0;
        // drop the frames of the detector itself: this class, the recorder, BlockHound's runtime
        while (first < all.length && isDetector(all[first])) {
            first++;
        }
        return new Violation(thread, method, List.of(Arrays.copyOfRange(all, first, all.length)));
    }

    /** The innermost frame in ENBD-J's own code, the call a fix starts from; or null if there is none. */
    public StackTraceElement enbdFrame() {
        return stack.stream().filter(f -> f.getClassName().startsWith("org.enbd.")).findFirst().orElse(null);
    }

    /** Whether any frame is {@code className.methodName}. */
    public boolean passesThrough(String className, String methodName) {
        return stack.stream().anyMatch(f -> f.getClassName().equals(className) && f.getMethodName().equals(methodName));
    }

    /** The same blocking call from the same place, whichever thread made it. */
    String site() {
        return method + stack.stream().limit(SHOWN_FRAMES).map(StackTraceElement::toString)
                .collect(Collectors.joining("|"));
    }

    /** Several lines: what blocked where, then the stack. */
    String describe() {
        StackTraceElement enbd = enbdFrame();
        String where = enbd == null ? "no ENBD-J frame on the stack" : "ENBD-J frame " + enbd;
        String frames = stack.stream().limit(SHOWN_FRAMES).map(f -> "\n\tat " + f).collect(Collectors.joining());
        String more = stack.size() > SHOWN_FRAMES ? "\n\t... " + (stack.size() - SHOWN_FRAMES) + " more" : "";
        return "blocking call " + method + " on event loop thread \"" + thread + "\" (" + where + ")" + frames + more;
    }

    private static boolean isDetector(StackTraceElement f) {
        String c = f.getClassName();
        return c.startsWith(Violation.class.getPackageName() + ".") || c.startsWith("reactor.blockhound.")
                || c.equals("java.lang.Thread") && f.getMethodName().equals("getStackTrace");
    }
}
