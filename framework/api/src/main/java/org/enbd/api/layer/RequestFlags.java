package org.enbd.api.layer;

/**
 * The command flags a request may carry, with their wire values (proto.md, "Command flags"). Layers receive
 * the flags as the client sent them, already checked against what was negotiated.
 */
public final class RequestFlags {
    /** Force unit access: the write is durable before the reply. */
    public static final int FUA = 1;
    /** WRITE_ZEROES: do not punch a hole; allocate the zeroed range. */
    public static final int NO_HOLE = 1 << 1;
    /** READ: do not fragment the structured reply. */
    public static final int DF = 1 << 2;
    /** BLOCK_STATUS: one extent is enough. */
    public static final int REQ_ONE = 1 << 3;
    /** WRITE_ZEROES: fail with ENOTSUP rather than zero slowly. */
    public static final int FAST_ZERO = 1 << 4;
    /** Extended headers: the request carries a payload whose length is the request's length field. */
    public static final int PAYLOAD_LEN = 1 << 5;
    /**
     * ENBD-J, on a WRITE given to a client device (async no-ack): send it without asking for a reply when the server
     * agreed to that, complete it once sent, and keep it until a later FLUSH confirms it. Other layers pass it on
     * or ignore it; a server takes it off before its stack sees the request.
     */
    public static final int NO_REPLY = 1 << 15;

    private RequestFlags() {
    }

    /** Whether {@code flags} has {@code flag} set. */
    public static boolean has(int flags, int flag) {
        return (flags & flag) != 0;
    }
}
