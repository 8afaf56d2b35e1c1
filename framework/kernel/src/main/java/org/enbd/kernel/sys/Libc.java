package org.enbd.kernel.sys;

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
 * The libc calls the kernel attach needs, through java.lang.foreign (no JNI). Every call captures errno and a
 * failure becomes an {@link ErrnoException} naming the call and its target. Method handles are linked once per
 * class load (they are immutable); linking costs seconds under emulation, so it happens before any device work.
 */
public final class Libc {
    public static final int AF_UNIX = 1;
    public static final int AF_NETLINK = 16;
    public static final int SOCK_STREAM = 1;
    public static final int SOCK_RAW = 3;
    public static final int SOCK_CLOEXEC = 02000000;
    public static final int O_RDWR = 2;
    public static final int O_CLOEXEC = 02000000;
    public static final int MCL_CURRENT = 1;
    public static final int MCL_FUTURE = 2;
    /** prctl(2): the calling thread's allocations never start I/O in reclaim (PF_MEMALLOC_NOIO), Linux 5.6. */
    public static final int PR_SET_IO_FLUSHER = 57;
    /** prctl(2): 1 when the calling thread is an I/O flusher, 0 when not. */
    public static final int PR_GET_IO_FLUSHER = 58;
    private static final int SOL_SOCKET = 1;
    private static final int SO_RCVTIMEO = 20;
    private static final int F_GETFL = 3;
    private static final int F_SETFL = 4;
    private static final int O_NONBLOCK = 04000;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MemoryLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option ERRNO_OPTION = Linker.Option.captureCallState("errno");

    private static final MethodHandle SOCKET = link("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SOCKETPAIR =
            link("socketpair", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    // open(2) and fcntl(2) are variadic after their second argument; ioctl(2) too: (int fd, unsigned long req, ...)
    private static final MethodHandle OPEN =
            link("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle FCNTL =
            link("fcntl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle IOCTL =
            link("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle CLOSE = link("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle MLOCKALL = link("mlockall", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    // prctl(2) is variadic after its option: (int option, ...); the kernel reads four unsigned longs
    private static final MethodHandle PRCTL = link("prctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
            Linker.Option.firstVariadicArg(1));
    private static final MethodHandle SEND =
            link("send", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle RECV =
            link("recv", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle SETSOCKOPT =
            link("setsockopt", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle CONNECT =
            link("connect", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle POLL = link("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));

    private Libc() {
    }

    private static MethodHandle link(String name, FunctionDescriptor descriptor, Linker.Option... extra) {
        Linker.Option[] options = new Linker.Option[extra.length + 1];
        options[0] = ERRNO_OPTION;
        System.arraycopy(extra, 0, options, 1, extra.length);
        MemorySegment symbol = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        return LINKER.downcallHandle(symbol, descriptor, options);
    }

    /** socket(2). */
    public static int socket(int domain, int type, int protocol, String what) throws IOException {
        return (int) call(what, state -> (int) SOCKET.invokeExact(state, domain, type, protocol));
    }

    /** socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC): two connected ends. */
    public static int[] socketpair() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(JAVA_INT, 2);
            call("socketpair(AF_UNIX, SOCK_STREAM)",
                    state -> (int) SOCKETPAIR.invokeExact(state, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds));
            return new int[] {fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1)};
        }
    }

    /** open(2) with {@code flags}; returns the descriptor. */
    public static int open(String path, int flags) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cPath = arena.allocateFrom(path);
            return (int) call("open " + path, state -> (int) OPEN.invokeExact(state, cPath, flags, 0));
        }
    }

    /** Puts a descriptor in non-blocking mode (the end an event loop owns). */
    public static void setNonBlocking(int fd) throws IOException {
        int flags = (int) call("fcntl F_GETFL fd " + fd, state -> (int) FCNTL.invokeExact(state, fd, F_GETFL, 0));
        call("fcntl F_SETFL fd " + fd, state -> (int) FCNTL.invokeExact(state, fd, F_SETFL, flags | O_NONBLOCK));
    }

    /** ioctl(2) with an integer argument; returns the call's result. {@code what} names it for the error. */
    public static int ioctl(int fd, long request, long argument, String what) throws IOException {
        return (int) call(what, state -> (int) IOCTL.invokeExact(state, fd, request, argument));
    }

    /** close(2); a failure is reported (EBADF means a descriptor was closed twice, which is a bug). */
    public static void close(int fd) throws IOException {
        call("close fd " + fd, state -> (int) CLOSE.invokeExact(state, fd));
    }

    /** mlockall(2). */
    public static void mlockall(int flags) throws IOException {
        call("mlockall", state -> (int) MLOCKALL.invokeExact(state, flags));
    }

    /** prctl(2) with one argument, on the calling thread; returns the call's result. */
    public static int prctl(int option, long argument, String what) throws IOException {
        return (int) call(what, state -> (int) PRCTL.invokeExact(state, option, argument, 0L, 0L, 0L));
    }

    /** send(2) of the whole segment (a datagram socket sends it at once). */
    public static long send(int fd, MemorySegment data, String what) throws IOException {
        return call(what, state -> (long) SEND.invokeExact(state, fd, data, data.byteSize(), 0));
    }

    /** recv(2) into {@code buffer}; returns the number of bytes received. */
    public static long recv(int fd, MemorySegment buffer, String what) throws IOException {
        return call(what, state -> (long) RECV.invokeExact(state, fd, buffer, buffer.byteSize(), 0));
    }

    /** SO_RCVTIMEO: a receive that waits longer fails with EAGAIN instead of hanging. */
    public static void setReceiveTimeout(int fd, int seconds) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment timeval = arena.allocate(JAVA_LONG, 2);
            timeval.setAtIndex(JAVA_LONG, 0, seconds);
            int size = (int) timeval.byteSize();
            call("setsockopt SO_RCVTIMEO",
                    state -> (int) SETSOCKOPT.invokeExact(state, fd, SOL_SOCKET, SO_RCVTIMEO, timeval, size));
        }
    }

    /** connect(2) to the socket address in {@code address} (a sockaddr_in, sockaddr_in6 or sockaddr_un). */
    public static void connect(int fd, MemorySegment address, String what) throws IOException {
        int length = (int) address.byteSize();
        call(what, state -> (int) CONNECT.invokeExact(state, fd, address, length));
    }

    /** poll(2) on {@code fds} (struct pollfd: int fd, short events, short revents); returns how many are ready. */
    public static int poll(MemorySegment fds, long count, int timeoutMs) throws IOException {
        return (int) call("poll", state -> (int) POLL.invokeExact(state, fds, count, timeoutMs));
    }

    /** setsockopt(2) with an int value. */
    public static void setIntOption(int fd, int level, int option, int value, String what) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocateFrom(JAVA_INT, value);
            call(what, state -> (int) SETSOCKOPT.invokeExact(state, fd, level, option, v, 4));
        }
    }

    /** One downcall that takes the errno capture segment first and returns a negative value on failure. */
    @FunctionalInterface
    private interface Call {
        long invoke(MemorySegment errnoState) throws Throwable;
    }

    private static long call(String what, Call call) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            long result = call.invoke(state);
            if (result < 0) {
                throw new ErrnoException(what, (int) ERRNO.get(state, 0L));
            }
            return result;
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("downcall failed: " + what, t);
        }
    }
}
