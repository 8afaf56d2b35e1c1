package org.enbd.protocol;

/** Flags of the handshake phase (proto.md, "Handshake phase / Flag fields"). */
public final class HandshakeFlags {
    /** Server: fixed newstyle. Client: acknowledges it. */
    public static final int FIXED_NEWSTYLE = 1;
    /** Server: may omit the 124 zero bytes after NBD_OPT_EXPORT_NAME. Client: asks for that. */
    public static final int NO_ZEROES = 2;

    private HandshakeFlags() {
    }
}
