package org.enbd.kernel.direct;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import org.enbd.api.stream.StreamAddress;
import org.enbd.kernel.netlink.NbdConnect;
import org.enbd.kernel.netlink.NbdNetlink;
import org.enbd.kernel.netlink.NbdReconnect;
import org.enbd.kernel.sys.Errno;
import org.enbd.kernel.sys.ErrnoException;
import org.enbd.kernel.sys.Libc;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A kernel device that speaks to the server itself (`enbd client URI --device /dev/nbdN --kernel-sockets`): the
 * sockets are connected and handshaken here, handed to the kernel with netlink NBD_CMD_CONNECT, and watched from
 * user space; a socket that ends (the server died or restarted, the network broke) is replaced by a new one,
 * handshaken again and given to the kernel with NBD_CMD_RECONFIGURE, while the kernel holds its requests for the
 * dead-connection timeout and then resends them on the new socket (as {@code nbd-client -persist} and rbd-nbd do).
 * Requests never cross a user-space relay, so the data path is the kernel's own.
 *
 * <p>What this mode keeps of ENBD's guarantees, and what only the relay gives (README "Two ways to attach"):
 * reconnection and resubmission of the kernel's queued requests, yes; retraction of requests from a stalled but
 * open connection, no (the kernel's request timeout marks the socket dead after {@code timeout}); stale-write
 * fencing, no; replay of acknowledged but unflushed writes after a server restart, no (the kernel has forgotten
 * them); TLS, SSH, AoE and feature stacks, no (plain tcp and unix sockets only).
 */
public final class DirectKernelDevice implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DirectKernelDevice.class);
    private static final short POLLERR = 0x8;
    private static final short POLLHUP = 0x10;
    private static final short POLLRDHUP = 0x2000;
    private static final int HANDSHAKE_TIMEOUT_S = 30;

    private final StreamAddress uri;
    private final int index;
    private final String backend;
    private final long reconnectMaxMs;
    private final KernelSocket[] sockets;
    private final KernelHandshake.Export export;
    private final Thread watcher;
    private final CompletableFuture<Void> released = new CompletableFuture<>();
    private volatile boolean closing;
    private volatile long reconnects;
    private volatile String state = "UP";

    private DirectKernelDevice(StreamAddress uri, int index, String backend, long reconnectMaxMs,
                               KernelSocket[] sockets, KernelHandshake.Export export) {
        this.uri = uri;
        this.index = index;
        this.backend = backend;
        this.reconnectMaxMs = reconnectMaxMs;
        this.sockets = sockets;
        this.export = export;
        this.watcher = Thread.ofPlatform().daemon().name("enbd-kernel-sockets-nbd" + index).unstarted(this::watch);
    }

    /**
     * Connects {@code connections} sockets to {@code uri}, hands them to /dev/nbd{@code index} and starts watching
     * them. Blocking (connect, handshake, netlink): call it off any event loop.
     */
    public static DirectKernelDevice attach(StreamAddress uri, int index, int connections, Duration deadTime,
                                            Duration requestTimeout, Duration reconnectMax) throws IOException {
        if (uri.tlsRequired()) {
            throw new AttachRefused("--kernel-sockets hands the sockets to the kernel, which cannot speak"
                    + " TLS: attach " + uri + " without --kernel-sockets (through the relay)");
        }
        if (!uri.scheme().equals("nbd") && !uri.scheme().equals("nbd+unix")) {
            throw new AttachRefused("--kernel-sockets works with nbd:// and nbd+unix:// only, not "
                    + uri.scheme() + "://");
        }
        List<KernelSocket> open = new ArrayList<>();
        try {
            KernelHandshake.Export export = null;
            for (int i = 0; i < Math.max(1, connections); i++) {
                KernelSocket s = KernelSocket.connect(uri);
                open.add(s);
                s.receiveTimeout(HANDSHAKE_TIMEOUT_S);
                KernelHandshake.Export e = KernelHandshake.run(s, uri.exportName());
                if (export != null && e.size() != export.size()) {
                    throw new IOException("the connections to " + uri + " disagree on the size: " + export.size()
                            + " and " + e.size() + " bytes");
                }
                export = e;
                s.receiveTimeout(0);
            }
            int blockSize = blockSize(export.minimumBlock());
            String backend = "enbd-direct " + uri;
            int[] fds = open.stream().mapToInt(s -> s.fd).toArray();
            try (NbdNetlink netlink = NbdNetlink.open()) {
                netlink.connect(new NbdConnect(index, export.size(), blockSize, export.transmissionFlags(),
                        requestTimeout.toSeconds(), deadTime.toSeconds(), backend, fds));
            }
            DirectKernelDevice device = new DirectKernelDevice(uri, index, backend, reconnectMax.toMillis(),
                    open.toArray(KernelSocket[]::new), export);
            LOG.info("/dev/nbd{}: {} ({} bytes) on {} kernel socket(s), watched from user space; the kernel holds"
                    + " requests {} s while none is connected", index, uri, export.size(), fds.length,
                    deadTime.toSeconds());
            device.watcher.start();
            return device;
        } catch (IOException | RuntimeException e) {
            for (KernelSocket s : open) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // already failing
                }
            }
            throw e;
        }
    }

    /** The kernel's logical block size: the server's minimum as a power of two from 512 to 4096. */
    static int blockSize(int minimum) {
        int size = 512;
        while (size < minimum && size < 4096) {
            size <<= 1;
        }
        return size;
    }

    public long size() {
        return export.size();
    }

    public long reconnects() {
        return reconnects;
    }

    /** UP, RECONNECTING (a socket is being replaced) or STOPPED. */
    public String state() {
        return state;
    }

    /** Completes when the device is no longer attached (disconnected here or by someone else). */
    public CompletableFuture<Void> released() {
        return released;
    }

    /** Waits for the sockets' end (peer closed, reset, error) and replaces each that ends. */
    private void watch() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(8L * sockets.length);
            while (!closing) {
                for (int i = 0; i < sockets.length; i++) {
                    fds.set(JAVA_INT, 8L * i, sockets[i].fd);
                    fds.set(JAVA_SHORT, 8L * i + 4, POLLRDHUP);
                    fds.set(JAVA_SHORT, 8L * i + 6, (short) 0);
                }
                int ready;
                try {
                    ready = Libc.poll(fds, sockets.length, 500);
                } catch (ErrnoException e) {
                    continue; // EINTR
                }
                for (int i = 0; ready > 0 && i < sockets.length && !closing; i++) {
                    short revents = fds.get(JAVA_SHORT, 8L * i + 6);
                    if ((revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0) {
                        replace(i);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            if (!closing) {
                LOG.error("/dev/nbd{}: watching its sockets failed; it is no longer repaired: {}", index, e.toString());
            }
        } finally {
            state = "STOPPED";
            released.complete(null);
        }
    }

    /** Socket {@code slot} ended: a new one, handshaken, takes its place in the kernel. */
    private void replace(int slot) throws IOException {
        KernelSocket old = sockets[slot];
        state = "RECONNECTING";
        LOG.warn("/dev/nbd{}: connection {} to {} ended; reconnecting (the kernel holds its requests)", index,
                slot, old.peer);
        long delay = 100;
        while (!closing) {
            if (!attached()) {
                LOG.info("/dev/nbd{}: disconnected; no longer watching", index);
                closing = true;
                return;
            }
            KernelSocket fresh = null;
            try {
                fresh = KernelSocket.connect(uri);
                fresh.receiveTimeout(HANDSHAKE_TIMEOUT_S);
                KernelHandshake.Export e = KernelHandshake.run(fresh, uri.exportName());
                fresh.receiveTimeout(0);
                if (e.size() != export.size()) {
                    LOG.warn("/dev/nbd{}: {} now has {} bytes, not {}; the device keeps its size", index, uri,
                            e.size(), export.size());
                }
                if (giveToKernel(fresh)) {
                    sockets[slot] = fresh;
                    old.close();
                    reconnects++;
                    state = "UP";
                    LOG.info("/dev/nbd{}: connection {} to {} is back ({} reconnects)", index, slot, fresh.peer,
                            reconnects);
                    return;
                }
                fresh.close();
            } catch (IOException e) {
                if (fresh != null) {
                    fresh.close();
                }
                LOG.debug("/dev/nbd{}: reconnect to {} failed: {}", index, uri, e.toString());
            }
            sleep(delay + ThreadLocalRandom.current().nextLong(delay / 2 + 1));
            delay = Math.min(delay * 2, reconnectMaxMs);
        }
    }

    /** NBD_CMD_RECONFIGURE with the socket; false while the kernel has not yet marked the old one dead. */
    private boolean giveToKernel(KernelSocket fresh) throws IOException {
        for (int attempt = 0; attempt < 20 && !closing; attempt++) {
            try (NbdNetlink netlink = NbdNetlink.open()) {
                netlink.reconnect(new NbdReconnect(index, backend, fresh.fd));
                return true;
            } catch (ErrnoException e) {
                if (!e.is(Errno.ENOSPC)) { // ENOSPC: no dead socket yet for it to replace
                    throw e;
                }
            }
            sleep(100);
        }
        return false;
    }

    private boolean attached() {
        try (NbdNetlink netlink = NbdNetlink.open()) {
            return netlink.status(index).stream().anyMatch(s -> s.index() == index && s.connected());
        } catch (IOException e) {
            return true; // cannot tell: keep repairing
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Disconnects the device (the kernel sends NBD_CMD_DISC on every socket) and closes the sockets. */
    @Override
    public void close() throws IOException {
        closing = true;
        try (NbdNetlink netlink = NbdNetlink.open()) {
            netlink.disconnect(index);
        } catch (IOException e) {
            LOG.debug("/dev/nbd{}: disconnect: {}", index, e.toString());
        }
        try {
            watcher.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (KernelSocket s : sockets) {
            s.close();
        }
        released.complete(null);
    }
}
