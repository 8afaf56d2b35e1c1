package org.enbd.launcher.host;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Whether standard input is a terminal: isatty(3) on descriptor 0 through FFM. {@code System.console()} cannot
 * say it (on JDK 22+ it is never null, and {@code isTerminal()} also asks about stdout, which {@code --shell}
 * does not need: {@code enbd --shell server | tee log} is fine).
 */
final class Terminal {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle ISATTY = LINKER.downcallHandle(LINKER.defaultLookup().find("isatty")
            .orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

    private Terminal() {
    }

    /** True when descriptor 0 is a terminal (a tty or a pty), as the Gogo shell's line reading needs. */
    static boolean stdinIsTerminal() {
        try {
            return (int) ISATTY.invokeExact(0) == 1;
        } catch (Throwable e) {
            return System.console() != null && System.console().isTerminal(); // no libc isatty: the JDK's guess
        }
    }
}
