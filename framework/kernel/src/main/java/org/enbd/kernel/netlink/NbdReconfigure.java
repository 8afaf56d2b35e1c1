package org.enbd.kernel.netlink;

/**
 * What NBD_CMD_RECONFIGURE tells the kernel about an attached device: here, the export's new size (the kernel
 * resizes the disk and tells user space with a change uevent). The kernel takes the other attributes it knows
 * (timeouts, sockets) only when given; this message gives none.
 *
 * @param index     the device index (0 for /dev/nbd0)
 * @param sizeBytes the export's new size
 * @param backend   the NBD_ATTR_BACKEND_IDENTIFIER the device was connected with, or null if none: a device
 *                  connected with one refuses (EINVAL, "must specify backend") a reconfigure that does not repeat
 *                  it, so another program cannot reconfigure it by index alone
 * @param clientFlags NBD_ATTR_CLIENT_FLAGS to set (NBD_CFLAG_DESTROY_ON_DISCONNECT), or -1 to leave them
 */
public record NbdReconfigure(int index, long sizeBytes, String backend, long clientFlags) {
    /** A new size only. */
    public NbdReconfigure(int index, long sizeBytes, String backend) {
        this(index, sizeBytes, backend, -1);
    }

    public NbdReconfigure {
        if (index < 0) {
            throw new IllegalArgumentException("NBD_CMD_RECONFIGURE needs a device index: " + index);
        }
        if (sizeBytes < 0) {
            throw new IllegalArgumentException("negative size " + sizeBytes);
        }
    }

    /** The request, as the kernel's nbd_genl_reconfigure expects it. */
    public NetlinkMessage encode(int family, int sequence) {
        NetlinkMessage m = NetlinkMessage.request(family, NetlinkMessage.NLM_F_REQUEST, sequence,
                NbdGenl.CMD_RECONFIGURE, NbdGenl.VERSION).u32(NbdGenl.ATTR_INDEX, index)
                .u64(NbdGenl.ATTR_SIZE_BYTES, sizeBytes);
        if (clientFlags >= 0) {
            m.u64(NbdGenl.ATTR_CLIENT_FLAGS, clientFlags);
        }
        return backend == null ? m : m.string(NbdGenl.ATTR_BACKEND_IDENTIFIER, backend);
    }
}
