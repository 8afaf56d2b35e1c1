package org.enbd.launcher.host;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * sd_notify(3) without libsystemd: one datagram per state change on the AF_UNIX socket NOTIFY_SOCKET names (a
 * path, or an abstract name when it starts with '@'). The JDK has no AF_UNIX datagram channel, so the socket and
 * sendto(2) calls go through FFM. Nothing happens when NOTIFY_SOCKET is unset (not started by systemd with
 * Type=notify); a send that fails is logged by the caller and never stops the server.
 */
public final class SdNotify {
    private static final int AF_UNIX = 1;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 02000000;
    private static final int MSG_NOSIGNAL = 0x4000;
    /** sizeof(sockaddr_un): a 2-byte family, then sun_path[108]. */
    private static final int SOCKADDR_UN = 110;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle SOCKET = LINKER.downcallHandle(LINKER.defaultLookup().find("socket")
            .orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT), Linker.Option.captureCallState("errno"));
    private static final MethodHandle SENDTO = LINKER.downcallHandle(LINKER.defaultLookup().find("sendto")
            .orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT),
            Linker.Option.captureCallState("errno"));
    private static final MethodHandle CLOSE = LINKER.downcallHandle(LINKER.defaultLookup().find("close")
            .orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle STRERROR = LINKER.downcallHandle(LINKER.defaultLookup().find("strerror")
            .orElseThrow(), FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));

    private final String socket;
    private final AtomicBoolean stopping = new AtomicBoolean();

    private SdNotify(String socket) {
        this.socket = socket;
    }

    /** The notifier of NOTIFY_SOCKET in {@code environment}, or empty when it is unset or empty. */
    public static Optional<SdNotify> of(Map<String, String> environment) {
        String socket = environment.get("NOTIFY_SOCKET");
        return socket == null || socket.isEmpty() ? Optional.empty() : Optional.of(new SdNotify(socket));
    }

    /**
     * A sender to any AF_UNIX datagram socket, through the same socket(2) and sendto(2) calls: the log's syslog
     * (/dev/log) and journal (/run/systemd/journal/socket) destinations use it, one datagram per event.
     */
    static SdNotify datagramsTo(java.nio.file.Path socket) {
        return new SdNotify(socket.toString());
    }

    /** The variables a service manager hands a daemon, which no child of the launcher must inherit. */
    public static void forgetIn(Map<String, String> childEnvironment) {
        for (String name : new String[] {"NOTIFY_SOCKET", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES"}) {
            childEnvironment.remove(name);
        }
    }

    /** Sends STOPPING=1, once however often it is asked (a signal and the end of the run may both ask). */
    public void stopping() throws IOException {
        if (stopping.compareAndSet(false, true)) {
            send("STOPPING=1");
        }
    }

    /** Sends {@code state} (newline-separated KEY=VALUE assignments, sd_notify's format) in one datagram. */
    public void send(String state) throws IOException {
        byte[] path = socket.getBytes(StandardCharsets.UTF_8);
        boolean abstractName = path[0] == '@';
        if (path.length + (abstractName ? 0 : 1) > SOCKADDR_UN - 2) {
            throw new IOException("NOTIFY_SOCKET " + socket + " is longer than a socket path may be");
        }
        if (!abstractName && path[0] != '/') {
            throw new IOException("NOTIFY_SOCKET " + socket + " is neither an absolute path nor @abstract");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = arena.allocate(Linker.Option.captureStateLayout());
            MemorySegment address = arena.allocate(SOCKADDR_UN);
            address.set(ValueLayout.JAVA_SHORT, 0, (short) AF_UNIX);
            MemorySegment.copy(path, 0, address, ValueLayout.JAVA_BYTE, 2, path.length);
            if (abstractName) {
                address.set(ValueLayout.JAVA_BYTE, 2, (byte) 0); // the '@' is a leading NUL: no trailing one
            }
            int addressLength = 2 + path.length + (abstractName ? 0 : 1);
            byte[] bytes = state.getBytes(StandardCharsets.UTF_8);
            MemorySegment message = arena.allocateFrom(ValueLayout.JAVA_BYTE, bytes);
            int fd = (int) SOCKET.invokeExact(errno, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            if (fd < 0) {
                throw new IOException("cannot notify " + socket + ": socket: " + error(errno));
            }
            try {
                long sent = (long) SENDTO.invokeExact(errno, fd, message, (long) bytes.length, MSG_NOSIGNAL, address,
                        addressLength);
                if (sent < 0) {
                    throw new IOException("cannot notify " + socket + ": " + error(errno));
                }
            } finally {
                int ignored = (int) CLOSE.invokeExact(fd);
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IOException(e);
        }
    }

    private static String error(MemorySegment state) throws Throwable {
        int errno = state.get(ValueLayout.JAVA_INT, Linker.Option.captureStateLayout().byteOffset(
                java.lang.foreign.MemoryLayout.PathElement.groupElement("errno")));
        MemorySegment text = (MemorySegment) STRERROR.invokeExact(errno);
        return text.reinterpret(256).getString(0);
    }

    @Override
    public String toString() {
        return socket;
    }
}
