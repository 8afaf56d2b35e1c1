package org.enbd.kernel.netlink;

/** The "nbd" generic netlink family's commands and attributes (include/uapi/linux/nbd-netlink.h). */
public final class NbdGenl {
    public static final String FAMILY = "nbd";
    public static final int VERSION = 1;

    // commands
    public static final int CMD_CONNECT = 1;
    public static final int CMD_DISCONNECT = 2;
    public static final int CMD_RECONFIGURE = 3;
    public static final int CMD_LINK_DEAD = 4;
    public static final int CMD_STATUS = 5;

    // NBD_ATTR_*
    public static final int ATTR_INDEX = 1;
    public static final int ATTR_SIZE_BYTES = 2;
    public static final int ATTR_BLOCK_SIZE_BYTES = 3;
    public static final int ATTR_TIMEOUT = 4;
    public static final int ATTR_SERVER_FLAGS = 5;
    public static final int ATTR_CLIENT_FLAGS = 6;
    public static final int ATTR_SOCKETS = 7;
    public static final int ATTR_DEAD_CONN_TIMEOUT = 8;
    public static final int ATTR_DEVICE_LIST = 9;
    public static final int ATTR_BACKEND_IDENTIFIER = 10;

    // inside ATTR_SOCKETS: NBD_SOCK_ITEM holding NBD_SOCK_FD
    public static final int SOCK_ITEM = 1;
    public static final int SOCK_FD = 1;

    // inside ATTR_DEVICE_LIST: NBD_DEVICE_ITEM holding NBD_DEVICE_INDEX and NBD_DEVICE_CONNECTED
    public static final int DEVICE_ITEM = 1;
    public static final int DEVICE_INDEX = 1;
    public static final int DEVICE_CONNECTED = 2;

    /**
     * NBD_CFLAG_DESTROY_ON_DISCONNECT: set (by RECONFIGURE) only to replace the disk for a new medium; a device
     * otherwise stays for the next attach.
     */
    public static final long CLIENT_FLAG_DESTROY_ON_DISCONNECT = 1;

    private NbdGenl() {
    }
}
