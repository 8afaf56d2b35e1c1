package org.enbd.ioctl;

/**
 * How an ioctl's third argument travels: ENBD's four techniques for moving ioctl data, and none at all. The
 * server allocates the memory a pointer argument names, so a client never sends an address.
 */
public enum Marshal {
    /** No argument (the call passes 0): CDROMEJECT, BLKRRPART. */
    NONE(false, false),
    /** The argument is an integer passed by value; the answer is the call's result: CDROM_DRIVE_STATUS. */
    VALUE(false, false),
    /** A pointer to a struct the caller fills: BLKDISCARD's range, CDROMPLAYMSF. */
    IN(true, false),
    /** A pointer to a struct the kernel fills: BLKGETSIZE64, HDIO_GETGEO. */
    OUT(false, true),
    /** A pointer to a struct filled by both, in then out: CDROMREADTOCENTRY, CDROMSUBCHNL. */
    INOUT(true, true);

    private final boolean sends;
    private final boolean returns;

    Marshal(boolean sends, boolean returns) {
        this.sends = sends;
        this.returns = returns;
    }

    /** Whether the caller's bytes are copied into the argument before the call. */
    public boolean sends() {
        return sends;
    }

    /** Whether the argument's bytes are sent back after the call. */
    public boolean returns() {
        return returns;
    }

    /** Whether the argument is a pointer to {@link Ioctl#size()} bytes. */
    public boolean pointer() {
        return sends || returns;
    }
}
