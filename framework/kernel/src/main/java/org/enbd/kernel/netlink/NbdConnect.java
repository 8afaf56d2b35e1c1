package org.enbd.kernel.netlink;

import java.util.Arrays;
import java.util.Objects;

/**
 * What NBD_CMD_CONNECT tells the kernel: which device, the export's geometry and flags, and the sockets it speaks
 * the transmission phase on.
 *
 * @param index            the device index (0 for /dev/nbd0), or -1 to let the kernel pick a free one
 * @param sizeBytes        the export size
 * @param blockSize        the logical block size (512..4096, a power of two)
 * @param serverFlags      the transmission flags the kernel may rely on (FLUSH, FUA, TRIM, ...)
 * @param timeoutS         per-request timeout in seconds; 0 waits only with a single socket (with several, the
 *                         driver still times requests out after 30 s and marks their sockets dead)
 * @param deadConnTimeoutS how long the kernel queues requests while every socket is dead; 0 = fail them at once
 * @param backend          NBD_ATTR_BACKEND_IDENTIFIER, shown in /sys/block/nbdN/backend; null for none
 * @param sockets          connected socket descriptors (one per connection); the kernel takes its own reference
 */
public record NbdConnect(int index, long sizeBytes, long blockSize, long serverFlags, long timeoutS,
                         long deadConnTimeoutS, String backend, int[] sockets) {
    public NbdConnect {
        Objects.requireNonNull(sockets, "sockets");
        if (sockets.length == 0) {
            throw new IllegalArgumentException("NBD_CMD_CONNECT needs at least one socket");
        }
        sockets = sockets.clone();
    }

    @Override
    public int[] sockets() {
        return sockets.clone();
    }

    /** The request, as the kernel's nbd_genl_connect expects it. */
    public NetlinkMessage encode(int family, int sequence) {
        NetlinkMessage m = NetlinkMessage.request(family, NetlinkMessage.NLM_F_REQUEST, sequence,
                NbdGenl.CMD_CONNECT, NbdGenl.VERSION);
        if (index >= 0) {
            m.u32(NbdGenl.ATTR_INDEX, index);
        }
        m.u64(NbdGenl.ATTR_SIZE_BYTES, sizeBytes)
                .u64(NbdGenl.ATTR_BLOCK_SIZE_BYTES, blockSize)
                .u64(NbdGenl.ATTR_SERVER_FLAGS, serverFlags)
                .u64(NbdGenl.ATTR_TIMEOUT, timeoutS)
                .u64(NbdGenl.ATTR_DEAD_CONN_TIMEOUT, deadConnTimeoutS);
        if (backend != null) {
            m.string(NbdGenl.ATTR_BACKEND_IDENTIFIER, backend);
        }
        m.beginNest(NbdGenl.ATTR_SOCKETS);
        for (int fd : sockets) {
            m.beginNest(NbdGenl.SOCK_ITEM).u32(NbdGenl.SOCK_FD, fd).endNest();
        }
        return m.endNest();
    }

    @Override
    public String toString() {
        return "NbdConnect[index=" + index + ", size=" + sizeBytes + ", blockSize=" + blockSize + ", flags=0x"
                + Long.toHexString(serverFlags) + ", timeout=" + timeoutS + ", deadConnTimeout=" + deadConnTimeoutS
                + ", backend=" + backend + ", sockets=" + Arrays.toString(sockets) + "]";
    }
}
