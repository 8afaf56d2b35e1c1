package org.enbd.runtime.internal;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The few libc calls the stream bridge needs, through java.lang.foreign (no JNI), on the blocking end of a
 * socketpair(2). The other end goes to {@code EventLoops.adopt}, which wants it non-blocking. Failures carry the
 * call and the errno number; EINTR is retried.
 *
 * <p>The kernel bundle's {@code Libc} makes the same kind of calls; the runtime sits below the kernel in the module
 * graph and exports nothing native, so these few stay here until one native package serves both (house review).
 */
final class UnixSocketpair {
    private static final int AF_UNIX = 1;
    private static final int SOCK_STREAM = 1;
    private static final int SOCK_CLOEXEC = 02000000;
    private static final int F_GETFL = 3;
    private static final int F_SETFL = 4;
    private static final int O_NONBLOCK = 04000;
    private static final int EINTR = 4;
    /** shutdown(2) directions. */
    static final int SHUT_WR = 1;
    static final int SHUT_RDWR = 2;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MemoryLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle SOCKETPAIR =
            link("socketpair", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    // fcntl(2) is variadic after its second argument
    private static final MethodHandle FCNTL = link("fcntl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle READ =
            link("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle WRITE =
            link("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle SHUTDOWN = link("shutdown", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle CLOSE = link("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));

    private UnixSocketpair() {
    }

    /** Two connected stream ends; the second is non-blocking, ready for an event loop. */
    static int[] open() throws IOException {
        int[] pair;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(JAVA_INT, 2);
            call("socketpair(AF_UNIX, SOCK_STREAM)",
                    state -> (int) SOCKETPAIR.invokeExact(state, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds));
            pair = new int[] {fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1)};
        }
        try {
            int fd = pair[1];
            int flags = (int) call("fcntl F_GETFL", state -> (int) FCNTL.invokeExact(state, fd, F_GETFL, 0));
            call("fcntl F_SETFL", state -> (int) FCNTL.invokeExact(state, fd, F_SETFL, flags | O_NONBLOCK));
        } catch (IOException e) {
            close(pair[0]);
            close(pair[1]);
            throw e;
        }
        return pair;
    }

    /** read(2) of up to {@code length} bytes into {@code buffer}; 0 at end of stream. Blocks. */
    static int read(int fd, MemorySegment buffer, int length) throws IOException {
        return (int) call("read", state -> (long) READ.invokeExact(state, fd, buffer, (long) length));
    }

    /** write(2) of all {@code length} bytes of {@code buffer}. Blocks while the socket buffer is full. */
    static void writeFully(int fd, MemorySegment buffer, int length) throws IOException {
        long done = 0;
        while (done < length) {
            MemorySegment rest = buffer.asSlice(done, length - done);
            done += call("write", state -> (long) WRITE.invokeExact(state, fd, rest, rest.byteSize()));
        }
    }

    /** shutdown(2): wakes a thread blocked in read or write on {@code fd}; an error (ENOTCONN) means it already is. */
    static void shutdown(int fd, int how) {
        try {
            call("shutdown", state -> (int) SHUTDOWN.invokeExact(state, fd, how));
        } catch (IOException e) {
            // the peer end is gone already: nothing left to wake
        }
    }

    /** close(2), once, after the threads using {@code fd} have ended; never retried (Linux frees it even on EINTR). */
    static void close(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            int result = (int) CLOSE.invokeExact(arena.allocate(CAPTURE), fd);
            assert result == 0 : "close fd " + fd + " failed";
        } catch (Throwable t) {
            throw new IllegalStateException("downcall failed: close fd " + fd, t);
        }
    }

    private static MethodHandle link(String name, FunctionDescriptor descriptor, Linker.Option... extra) {
        Linker.Option[] options = new Linker.Option[extra.length + 1];
        options[0] = Linker.Option.captureCallState("errno");
        System.arraycopy(extra, 0, options, 1, extra.length);
        MemorySegment symbol = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        return LINKER.downcallHandle(symbol, descriptor, options);
    }

    @FunctionalInterface
    private interface Call {
        long invoke(MemorySegment errnoState) throws Throwable;
    }

    private static long call(String what, Call call) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            while (true) {
                long result = call.invoke(state);
                if (result >= 0) {
                    return result;
                }
                int errno = (int) ERRNO.get(state, 0L);
                if (errno != EINTR) {
                    throw new IOException(what + " failed: errno " + errno);
                }
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("downcall failed: " + what, t);
        }
    }
}
