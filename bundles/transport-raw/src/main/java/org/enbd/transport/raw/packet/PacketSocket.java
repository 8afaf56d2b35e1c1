package org.enbd.transport.raw.packet;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * An AF_PACKET socket of one EtherType bound to one interface: whole Ethernet frames in and out (SOCK_RAW, the
 * caller writes the Ethernet header). Opening checks what a user gets wrong, each with its own message: no
 * CAP_NET_RAW, no such interface, the interface down, an MTU too small for the caller's frames.
 *
 * <p>Frames arrive in a PACKET_MMAP receive ring ({@link RxRing}): a frame already there is taken without a
 * system call, which is what a busy target saves most on (one recv(2) per frame otherwise).
 *
 * <p>{@link #receive} blocks up to the receive timeout and is called by one thread, the owner's receiver;
 * {@link #send} may be called from any thread and never blocks (a full queue is a lost frame, which the
 * protocol's retransmission covers). {@link #close} comes after the receiver thread has been joined.
 */
public final class PacketSocket implements AutoCloseable {
    private static final int IFNAMSIZ = 16;
    private static final int IFREQ_SIZE = 40;
    private static final int IFF_UP = 0x1;
    private static final int SOCKADDR_LL_SIZE = 20;
    private static final int BUFFER_BYTES = 4 << 20;

    private final int fd;
    private final NetInterface netInterface;
    private final int receiveTimeoutMs;
    private final RxRing ring;
    /** Sends share it, close takes it whole: a descriptor number is never used after close (it may be reused). */
    private final ReentrantReadWriteLock use = new ReentrantReadWriteLock();
    private boolean closed;

    private PacketSocket(int fd, NetInterface netInterface, int receiveTimeoutMs, RxRing ring) {
        this.fd = fd;
        this.netInterface = netInterface;
        this.receiveTimeoutMs = receiveTimeoutMs;
        this.ring = ring;
    }

    /**
     * Opens a socket for {@code etherType} frames on {@code interfaceName}.
     *
     * @param minimumMtu the smallest MTU the caller can work with; a smaller one fails with the reason
     * @param receiveTimeoutMs how long {@link #receive} waits before it returns null (so its thread sees a stop)
     * @throws PacketException naming what is wrong and what to do
     */
    public static PacketSocket open(String interfaceName, int etherType, int minimumMtu, long receiveTimeoutMs)
            throws PacketException {
        byte[] name = interfaceName.getBytes(StandardCharsets.US_ASCII);
        if (name.length == 0 || name.length >= IFNAMSIZ || interfaceName.contains("/")) {
            throw new PacketException("'" + interfaceName + "' is not an interface name (1-15 characters)");
        }
        int fd;
        try {
            // protocol 0 receives nothing until bind names the EtherType and the interface
            fd = Posix.socket(Posix.AF_PACKET, Posix.SOCK_RAW | Posix.SOCK_CLOEXEC, 0, "socket(AF_PACKET, SOCK_RAW)");
        } catch (PacketException e) {
            if (e.errno() == Posix.EPERM) {
                throw new PacketException("raw Ethernet frames on " + interfaceName + " need CAP_NET_RAW: run as "
                        + "root, or give the JVM the capability (setcap cap_net_raw+ep on the java binary, or "
                        + "AmbientCapabilities=CAP_NET_RAW in a systemd unit)");
            }
            throw e;
        }
        RxRing ring = null;
        try {
            NetInterface described = describe(fd, interfaceName, name, minimumMtu);
            // the ring before bind, as packet_mmap.rst sets it up: no frame is received before it exists
            ring = RxRing.open(fd, described.mtu(), interfaceName);
            Posix.setIntOption(fd, Posix.SOL_SOCKET, Posix.SO_SNDBUF, BUFFER_BYTES, "SO_SNDBUF");
            try {
                // our own frames would come back to us as PACKET_OUTGOING; older kernels lack the option, and the
                // caller's destination check drops them there
                Posix.setIntOption(fd, Posix.SOL_PACKET, Posix.PACKET_IGNORE_OUTGOING, 1, "PACKET_IGNORE_OUTGOING");
            } catch (PacketException ignored) {
                // kept: frames addressed elsewhere are dropped by the caller
            }
            try (Arena local = Arena.ofConfined()) {
                MemorySegment address = local.allocate(SOCKADDR_LL_SIZE, 4);
                address.set(JAVA_SHORT, 0, (short) Posix.AF_PACKET);
                address.set(JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN), 2, (short) etherType);
                address.set(JAVA_INT, 4, described.index());
                Posix.bind(fd, address, "bind to " + interfaceName);
            }
            return new PacketSocket(fd, described, (int) Math.min(receiveTimeoutMs, Integer.MAX_VALUE), ring);
        } catch (PacketException | RuntimeException e) {
            try {
                if (ring != null) {
                    ring.close();
                }
                Posix.close(fd);
            } catch (PacketException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
    }

    private static NetInterface describe(int fd, String interfaceName, byte[] name, int minimumMtu)
            throws PacketException {
        try (Arena local = Arena.ofConfined()) {
            MemorySegment ifreq = local.allocate(IFREQ_SIZE, 8);
            MemorySegment.copy(name, 0, ifreq, JAVA_BYTE, 0, name.length);
            try {
                Posix.ioctl(fd, Posix.SIOCGIFINDEX, ifreq, "SIOCGIFINDEX " + interfaceName);
            } catch (PacketException e) {
                if (e.errno() == Posix.ENODEV) {
                    throw new PacketException("interface " + interfaceName + " does not exist (ip link shows "
                            + "the interfaces of this network namespace)");
                }
                throw e;
            }
            int index = ifreq.get(JAVA_INT, IFNAMSIZ);
            Posix.ioctl(fd, Posix.SIOCGIFFLAGS, ifreq, "SIOCGIFFLAGS " + interfaceName);
            if ((ifreq.get(JAVA_SHORT, IFNAMSIZ) & IFF_UP) == 0) {
                throw new PacketException("interface " + interfaceName + " is down (ip link set " + interfaceName
                        + " up)");
            }
            Posix.ioctl(fd, Posix.SIOCGIFMTU, ifreq, "SIOCGIFMTU " + interfaceName);
            int mtu = ifreq.get(JAVA_INT, IFNAMSIZ);
            if (mtu < minimumMtu) {
                throw new PacketException("interface " + interfaceName + " has MTU " + mtu + ", and at least "
                        + minimumMtu + " is needed (ip link set " + interfaceName + " mtu 1500)");
            }
            Posix.ioctl(fd, Posix.SIOCGIFHWADDR, ifreq, "SIOCGIFHWADDR " + interfaceName);
            ByteBuffer hw = ifreq.asSlice(IFNAMSIZ + 2, MacAddress.LENGTH).asByteBuffer();
            return new NetInterface(interfaceName, index, mtu, MacAddress.read(hw));
        }
    }

    public NetInterface netInterface() {
        return netInterface;
    }

    /**
     * Waits for the next frame and returns a copy of it (Ethernet header first), or null when the receive
     * timeout passed or a signal interrupted the wait. One thread at a time.
     */
    public ByteBuffer receive() throws PacketException {
        return ring.receive(receiveTimeoutMs, "receive on " + netInterface.name());
    }

    /**
     * Sends one whole frame (from its position to its limit) without waiting. Returns false when the kernel
     * dropped it for want of room or the interface went down: a lost frame, as on the wire.
     */
    public boolean send(ByteBuffer frame) throws PacketException {
        if (!use.readLock().tryLock()) {
            return false; // closing
        }
        try {
            if (closed) {
                return false;
            }
            long n = Posix.sendNow(fd, MemorySegment.ofBuffer(frame), "send on " + netInterface.name());
            if (n >= 0) {
                return true;
            }
            if (n == -Posix.EAGAIN || n == -105 /* ENOBUFS */ || n == -100 /* ENETDOWN */ || n == -6 /* ENXIO */) {
                return false;
            }
            throw new PacketException("send on " + netInterface.name(), (int) -n);
        } finally {
            use.readLock().unlock();
        }
    }

    /** Closes the socket; the receiver thread must have been joined. */
    @Override
    public void close() throws PacketException {
        use.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            try {
                ring.close();
            } finally {
                Posix.close(fd);
            }
        } finally {
            use.writeLock().unlock();
        }
    }
}
