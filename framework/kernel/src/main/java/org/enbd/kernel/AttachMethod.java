package org.enbd.kernel;

/** How to hand the sockets to the kernel. */
public enum AttachMethod {
    /** Netlink when the kernel has the nbd family, the ioctls otherwise. */
    AUTO,
    /** Netlink only (fails when the family is missing). */
    NETLINK,
    /** The ioctls (NBD_SET_SOCK, NBD_DO_IT), as kernels before 4.12 need. */
    IOCTL
}
