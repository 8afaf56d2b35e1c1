package org.enbd.kernel.direct;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import org.enbd.api.stream.StreamAddress;
import org.enbd.kernel.sys.Libc;

/**
 * A blocking socket to an NBD server made with libc (FFM), because its descriptor goes to the kernel: the JDK's
 * sockets do not give theirs away. TCP (with TCP_NODELAY and keep-alives, as nbd-client sets them) or a Unix
 * socket. Only the handshake reads and writes here; after it the kernel owns the stream and this side only
 * watches for its end ({@link SocketWatch}).
 */
final class KernelSocket implements AutoCloseable {
    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;
    private static final int IPPROTO_TCP = 6;
    private static final int TCP_NODELAY = 1;
    private static final int SOL_SOCKET = 1;
    private static final int SO_KEEPALIVE = 9;
    private static final int UNIX_PATH_MAX = 108;

    final int fd;
    final String peer;
    private boolean closed;

    private KernelSocket(int fd, String peer) {
        this.fd = fd;
        this.peer = peer;
    }

    /** Connects to the server {@code address} names (host names resolved here, on the caller's thread). */
    static KernelSocket connect(StreamAddress address) throws IOException {
        if (address.isUnix()) {
            return connectUnix(address.socketPath());
        }
        IOException last = null;
        for (InetAddress ip : InetAddress.getAllByName(address.host())) {
            try {
                return connectTcp(ip, address.portOr(10809));
            } catch (IOException e) {
                last = e;
            }
        }
        throw last != null ? last : new IOException("no address for " + address.host());
    }

    private static KernelSocket connectTcp(InetAddress ip, int port) throws IOException {
        boolean v6 = ip instanceof Inet6Address;
        String peer = (v6 ? "[" + ip.getHostAddress() + "]" : ip.getHostAddress()) + ":" + port;
        int fd = Libc.socket(v6 ? AF_INET6 : AF_INET, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0, "socket for " + peer);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sa;
            if (ip instanceof Inet4Address) {
                sa = arena.allocate(16);
                sa.set(JAVA_SHORT, 0, (short) AF_INET);
                sa.set(JAVA_BYTE, 2, (byte) (port >> 8));
                sa.set(JAVA_BYTE, 3, (byte) port);
                MemorySegment.copy(MemorySegment.ofArray(ip.getAddress()), 0, sa, 4, 4);
            } else {
                sa = arena.allocate(28);
                sa.set(JAVA_SHORT, 0, (short) AF_INET6);
                sa.set(JAVA_BYTE, 2, (byte) (port >> 8));
                sa.set(JAVA_BYTE, 3, (byte) port);
                MemorySegment.copy(MemorySegment.ofArray(ip.getAddress()), 0, sa, 8, 16);
                sa.set(JAVA_INT, 24, ((Inet6Address) ip).getScopeId());
            }
            Libc.connect(fd, sa, "connect to " + peer);
            Libc.setIntOption(fd, IPPROTO_TCP, TCP_NODELAY, 1, "TCP_NODELAY");
            Libc.setIntOption(fd, SOL_SOCKET, SO_KEEPALIVE, 1, "SO_KEEPALIVE");
            return new KernelSocket(fd, peer);
        } catch (IOException | RuntimeException e) {
            Libc.close(fd);
            throw e;
        }
    }

    private static KernelSocket connectUnix(String path) throws IOException {
        byte[] name = path.getBytes(StandardCharsets.UTF_8);
        if (name.length >= UNIX_PATH_MAX) {
            throw new IOException("socket path " + path + " is longer than " + (UNIX_PATH_MAX - 1) + " bytes");
        }
        int fd = Libc.socket(Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0, "socket for " + path);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sa = arena.allocate(2 + UNIX_PATH_MAX);
            sa.set(JAVA_SHORT, 0, (short) Libc.AF_UNIX);
            MemorySegment.copy(MemorySegment.ofArray(name), 0, sa, 2, name.length);
            Libc.connect(fd, sa, "connect to " + path);
            return new KernelSocket(fd, path);
        } catch (IOException | RuntimeException e) {
            Libc.close(fd);
            throw e;
        }
    }

    /** Writes all of {@code data}. */
    void write(byte[] data) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(data.length);
            MemorySegment.copy(MemorySegment.ofArray(data), 0, buffer, 0, data.length);
            long done = 0;
            while (done < data.length) {
                done += Libc.send(fd, buffer.asSlice(done), "send to " + peer);
            }
        }
    }

    /** Reads exactly {@code n} bytes; the server closing first is an EOFException. */
    byte[] read(int n) throws IOException {
        byte[] out = new byte[n];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(Math.max(n, 1));
            long done = 0;
            while (done < n) {
                long got = Libc.recv(fd, buffer.asSlice(done, n - done), "receive from " + peer);
                if (got == 0) {
                    throw new EOFException(peer + " closed the connection during the handshake");
                }
                done += got;
            }
            MemorySegment.copy(buffer, 0, MemorySegment.ofArray(out), 0, n);
        }
        return out;
    }

    /** A receive that waits longer than {@code seconds} fails (the handshake must not hang on a silent peer). */
    void receiveTimeout(int seconds) throws IOException {
        Libc.setReceiveTimeout(fd, seconds);
    }

    @Override
    public void close() throws IOException {
        if (!closed) {
            closed = true;
            Libc.close(fd);
        }
    }

    @Override
    public String toString() {
        return "fd " + fd + " to " + peer;
    }
}
