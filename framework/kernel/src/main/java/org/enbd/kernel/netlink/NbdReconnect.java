package org.enbd.kernel.netlink;

/**
 * NBD_CMD_RECONFIGURE with NBD_ATTR_SOCKETS: a new connected socket for an attached device, which the kernel puts
 * in the place of a dead one (nbd_reconnect_socket; ENOSPC while none is dead yet) and on which it resends the
 * requests it queued meanwhile, as {@code nbd-client -persist} and rbd-nbd do.
 *
 * @param index   the device index (0 for /dev/nbd0)
 * @param backend the NBD_ATTR_BACKEND_IDENTIFIER the device was connected with, or null
 * @param socket  the new socket's descriptor (the kernel takes its own reference)
 */
public record NbdReconnect(int index, String backend, int socket) {
    public NbdReconnect {
        if (index < 0) {
            throw new IllegalArgumentException("NBD_CMD_RECONFIGURE needs a device index: " + index);
        }
    }

    /** The request, as the kernel's nbd_genl_reconfigure expects it. */
    public NetlinkMessage encode(int family, int sequence) {
        NetlinkMessage m = NetlinkMessage.request(family, NetlinkMessage.NLM_F_REQUEST, sequence,
                NbdGenl.CMD_RECONFIGURE, NbdGenl.VERSION).u32(NbdGenl.ATTR_INDEX, index);
        if (backend != null) {
            m.string(NbdGenl.ATTR_BACKEND_IDENTIFIER, backend);
        }
        m.beginNest(NbdGenl.ATTR_SOCKETS);
        m.beginNest(NbdGenl.SOCK_ITEM).u32(NbdGenl.SOCK_FD, socket).endNest();
        return m.endNest();
    }
}
