package org.enbd.transport.raw.packet;

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
 * The libc calls a packet socket needs, through java.lang.foreign (no JNI). Each call captures errno, and a
 * failure becomes a {@link PacketException} naming the call, the interface and the errno.
 */
final class Posix {
    static final int AF_PACKET = 17;
    static final int SOCK_RAW = 3;
    static final int SOCK_CLOEXEC = 02000000;
    static final int SOL_SOCKET = 1;
    static final int SO_SNDBUF = 7;
    static final int SOL_PACKET = 263;
    static final int PACKET_IGNORE_OUTGOING = 23;
    static final int PACKET_RX_RING = 5;
    static final int PACKET_VERSION = 10;
    static final int TPACKET_V2 = 1;
    static final int PROT_READ = 1;
    static final int PROT_WRITE = 2;
    static final int MAP_SHARED = 1;
    static final short POLLIN = 1;
    static final int MSG_DONTWAIT = 0x40;
    static final long SIOCGIFFLAGS = 0x8913;
    static final long SIOCGIFMTU = 0x8921;
    static final long SIOCGIFHWADDR = 0x8927;
    static final long SIOCGIFINDEX = 0x8933;
    static final int EPERM = 1;
    static final int EINTR = 4;
    static final int EAGAIN = 11;
    static final int ENODEV = 19;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MemoryLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    /** Where each thread's calls leave errno: one small segment per thread, freed with it (no arena per call). */
    private static final ThreadLocal<MemorySegment> ERRNO_STATE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE));

    private static final MethodHandle SOCKET =
            link("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle BIND = link("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    // ioctl(2) is variadic after its second argument
    private static final MethodHandle IOCTL = link("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle SETSOCKOPT =
            link("setsockopt", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    // a send with MSG_DONTWAIT never waits, so it may be a critical call: the frame is passed straight from the
    // Java heap, with no native copy
    private static final MethodHandle SEND = link("send",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT), Linker.Option.critical(true));
    private static final MethodHandle CLOSE = link("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle MMAP = link("mmap",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUNMAP = link("munmap", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle POLL = link("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));

    private Posix() {
    }

    private static MethodHandle link(String name, FunctionDescriptor descriptor, Linker.Option... extra) {
        Linker.Option[] options = new Linker.Option[extra.length + 1];
        options[0] = Linker.Option.captureCallState("errno");
        System.arraycopy(extra, 0, options, 1, extra.length);
        MemorySegment symbol = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        return LINKER.downcallHandle(symbol, descriptor, options);
    }

    static int socket(int domain, int type, int protocol, String what) throws PacketException {
        return (int) call(what, state -> (int) SOCKET.invokeExact(state, domain, type, protocol));
    }

    static void bind(int fd, MemorySegment address, String what) throws PacketException {
        int length = (int) address.byteSize();
        call(what, state -> (int) BIND.invokeExact(state, fd, address, length));
    }

    static void ioctl(int fd, long request, MemorySegment argument, String what) throws PacketException {
        call(what, state -> (int) IOCTL.invokeExact(state, fd, request, argument));
    }

    /** setsockopt(2) with a structure as its value. */
    static void setOption(int fd, int level, int option, MemorySegment value, String what) throws PacketException {
        int length = (int) value.byteSize();
        call(what, state -> (int) SETSOCKOPT.invokeExact(state, fd, level, option, value, length));
    }

    /** mmap(2) of {@code length} bytes of {@code fd}, shared and writable; the segment has that size. */
    static MemorySegment mapShared(int fd, long length, String what) throws PacketException {
        try {
            MemorySegment state = ERRNO_STATE.get();
            MemorySegment at = (MemorySegment) MMAP.invokeExact(state, MemorySegment.NULL, length,
                    PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0L);
            if (at.address() == -1L) {
                throw new PacketException(what, (int) ERRNO.get(state, 0L));
            }
            return at.reinterpret(length);
        } catch (PacketException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("downcall failed: " + what, t);
        }
    }

    static void unmap(MemorySegment mapped, String what) throws PacketException {
        long length = mapped.byteSize();
        call(what, state -> (int) MUNMAP.invokeExact(state, mapped, length));
    }

    /** poll(2) on one descriptor set up in {@code pollfd}; returns the ready count, 0 on timeout, or -errno. */
    static int poll(MemorySegment pollfd, int timeoutMs, String what) throws PacketException {
        return (int) callOrErrno(what, state -> (int) POLL.invokeExact(state, pollfd, 1L, timeoutMs));
    }

    static void setIntOption(int fd, int level, int option, int value, String what) throws PacketException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocateFrom(JAVA_INT, value);
            call(what, state -> (int) SETSOCKOPT.invokeExact(state, fd, level, option, v, 4));
        }
    }

    /**
     * send(2) with MSG_DONTWAIT of {@code data} (heap or native); returns the bytes sent, or -errno for the failures
     * a caller may treat as a lost frame.
     */
    static long sendNow(int fd, MemorySegment data, String what) throws PacketException {
        long length = data.byteSize();
        return callOrErrno(what, state -> (long) SEND.invokeExact(state, fd, data, length, MSG_DONTWAIT));
    }

    static void close(int fd) throws PacketException {
        call("close fd " + fd, state -> (int) CLOSE.invokeExact(state, fd));
    }

    @FunctionalInterface
    private interface Call {
        long invoke(MemorySegment errnoState) throws Throwable;
    }

    private static long call(String what, Call call) throws PacketException {
        long result = callOrErrno(what, call);
        if (result < 0) {
            throw new PacketException(what, (int) -result);
        }
        return result;
    }

    private static long callOrErrno(String what, Call call) throws PacketException {
        try {
            MemorySegment state = ERRNO_STATE.get();
            long result = call.invoke(state);
            return result < 0 ? -(int) ERRNO.get(state, 0L) : result;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("downcall failed: " + what, t);
        }
    }
}
