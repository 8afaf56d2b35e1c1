package org.enbd.launcher;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What systemd listens on for sd_notify: an AF_UNIX datagram socket bound to a path (the JDK has no such
 * channel, so FFM), read without blocking. Independent of the launcher's own sender, and of systemd.
 */
final class NotifySocket implements AutoCloseable {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle SOCKET = handle("socket", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle BIND = handle("bind", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle RECV = handle("recv", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
    private static final MethodHandle CLOSE = handle("close", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT));
    private static final int MSG_DONTWAIT = 0x40;

    private final int fd;
    private final Path path;

    private NotifySocket(int fd, Path path) {
        this.fd = fd;
        this.path = path;
    }

    static NotifySocket bind(Path path) throws Throwable {
        int fd = (int) SOCKET.invokeExact(1, 2 | 02000000, 0); // AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC
        try (Arena arena = Arena.ofConfined()) {
            byte[] bytes = path.toString().getBytes(StandardCharsets.UTF_8);
            MemorySegment address = arena.allocate(110);
            address.set(ValueLayout.JAVA_SHORT, 0, (short) 1);
            MemorySegment.copy(bytes, 0, address, ValueLayout.JAVA_BYTE, 2, bytes.length);
            if ((int) BIND.invokeExact(fd, address, 110) != 0) {
                throw new IOException("cannot bind " + path);
            }
        }
        return new NotifySocket(fd, path);
    }

    /** The next datagram, if one is waiting. */
    Optional<String> poll() throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(4096);
            long n = (long) RECV.invokeExact(fd, buffer, 4096L, MSG_DONTWAIT);
            if (n < 0) {
                return Optional.empty();
            }
            return Optional.of(new String(buffer.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8));
        }
    }

    Path path() {
        return path;
    }

    @Override
    public void close() throws Exception {
        try {
            int ignored = (int) CLOSE.invokeExact(fd);
        } catch (Throwable e) {
            throw new IOException(e);
        }
        java.nio.file.Files.deleteIfExists(path);
    }

    private static MethodHandle handle(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), descriptor);
    }
}
