package org.enbd.transport.tcp.internal;

import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import org.enbd.api.stream.StreamAddress;

/**
 * A listening socket handed over by a service manager (systemd's socket activation: LISTEN_FDS, descriptors from
 * 3), named in a listen address as {@code nbd://LABEL?fd=N}. The descriptor is made non-blocking (systemd hands it
 * over blocking, and an edge-triggered epoll loop accepts until EAGAIN) through FFM's fcntl(2), and wrapped by
 * Netty's epoll server channel.
 */
final class InheritedSocket {
    /** The query parameter naming the descriptor. */
    static final String FD = "fd";

    private static final int F_GETFL = 3;
    private static final int F_SETFL = 4;
    private static final int O_NONBLOCK = 04000;
    private static final MethodHandle FCNTL = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("fcntl").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT),
            Linker.Option.firstVariadicArg(2));

    private static final int SOL_SOCKET = 1;
    private static final int SO_ACCEPTCONN = 30;
    private static final MethodHandle GETSOCKOPT = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("getsockopt").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));

    private InheritedSocket() {
    }

    /** The descriptor an address names; an IOException when it is not a number of 3 or more. */
    static int fd(StreamAddress at) throws IOException {
        String value = at.query().get(FD);
        try {
            int fd = Integer.parseInt(value);
            if (fd >= 3) {
                return fd;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IOException("cannot listen on " + at + ": fd=" + value + " is not an inherited descriptor (3 or more)");
    }

    /** Checks that {@code fd} is a listening socket (SO_ACCEPTCONN) and sets O_NONBLOCK on it. */
    static void prepare(int fd) throws IOException {
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            java.lang.foreign.MemorySegment value = arena.allocate(ValueLayout.JAVA_INT);
            java.lang.foreign.MemorySegment length = arena.allocate(ValueLayout.JAVA_INT);
            length.set(ValueLayout.JAVA_INT, 0, 4);
            if ((int) GETSOCKOPT.invokeExact(fd, SOL_SOCKET, SO_ACCEPTCONN, value, length) != 0
                    || value.get(ValueLayout.JAVA_INT, 0) == 0) {
                throw new IOException("inherited file descriptor " + fd + " is not a listening socket");
            }
            int flags = (int) FCNTL.invokeExact(fd, F_GETFL, 0);
            if (flags < 0 || (int) FCNTL.invokeExact(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
                throw new IOException("inherited file descriptor " + fd + " is not open");
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IOException(e);
        }
    }

    /** Netty's epoll server channel over the descriptor; it owns it from now on and closes it. */
    static ServerChannel serverChannel(int fd) {
        return new EpollServerSocketChannel(fd);
    }
}
