import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Runs the ENBD-J launcher (org.enbd.launcher.Main, enbd.jar on the class path) for the swap scenario's server, which
 * stands in for a remote machine inside the very guest whose memory runs out (a real remote server is not under
 * this guest's pressure at all): with {@code --memlock} first mlockall(MCL_CURRENT | MCL_FUTURE), as the client's
 * memlock does (enbd server has no such option), then prctl PR_SET_IO_FLUSHER on this thread, so the threads the
 * launcher starts inherit PF_MEMALLOC_NOIO. The JVM's own threads (JIT, GC) exist before this runs: vm/flusher.sh
 * sets the flag before the exec for them. Compiled by features-kernel.sh on the host.
 *
 * <pre>java -cp enbd.jar:DIR IoFlusher [--memlock] LAUNCHER-ARGS...</pre>
 */
public final class IoFlusher {
    private static final int PR_SET_IO_FLUSHER = 57;
    private static final int MCL_CURRENT = 1;
    private static final int MCL_FUTURE = 2;

    private IoFlusher() {
    }

    public static void main(String[] args) throws Throwable {
        Linker linker = Linker.nativeLinker();
        boolean lock = args.length > 0 && args[0].equals("--memlock");
        if (lock) {
            MethodHandle mlockall = linker.downcallHandle(linker.defaultLookup().find("mlockall").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            check("mlockall", (int) mlockall.invokeExact(MCL_CURRENT | MCL_FUTURE));
            args = java.util.Arrays.copyOfRange(args, 1, args.length);
        }
        MethodHandle prctl = linker.downcallHandle(linker.defaultLookup().find("prctl").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG),
                Linker.Option.firstVariadicArg(1));
        check("prctl(PR_SET_IO_FLUSHER)", (int) prctl.invokeExact(PR_SET_IO_FLUSHER, 1L, 0L, 0L, 0L));
        System.err.println("IoFlusher: this JVM's threads are I/O flushers" + (lock ? ", its memory locked" : ""));
        Class.forName("org.enbd.launcher.Main").getMethod("main", String[].class).invoke(null, (Object) args);
    }

    private static void check(String call, int result) {
        if (result != 0) {
            throw new IllegalStateException(call + " failed: " + result + " (needs root in the guest)");
        }
    }
}
