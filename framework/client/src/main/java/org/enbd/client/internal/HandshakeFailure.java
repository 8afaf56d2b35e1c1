package org.enbd.client.internal;

import java.io.Serial;
import org.enbd.api.NbdError;

/**
 * A handshake that did not reach transmission. {@code fatal}: the server refused us for a reason retrying cannot
 * fix (policy, TLS required, unknown export, not an NBD server); otherwise it was the network or a server going
 * down, and the supervisor tries again.
 */
final class HandshakeFailure extends Exception {
    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * How many TLS handshakes in a row the server may end by closing before that counts as a refusal: GnuTLS
     * servers (nbdkit, qemu-nbd) close without an alert on a wrong pre-shared key, which on the wire looks like a
     * server going down; one that goes down does not do it again and again right after our hello.
     */
    static final int TLS_CLOSES_REFUSE = 3;

    private final boolean fatal;
    private final NbdError error;
    private final boolean closedInTls;

    HandshakeFailure(boolean fatal, NbdError error, String message) {
        this(fatal, error, message, false);
    }

    private HandshakeFailure(boolean fatal, NbdError error, String message, boolean closedInTls) {
        super(message);
        this.fatal = fatal;
        this.error = error;
        this.closedInTls = closedInTls;
    }

    /** The server closed the connection during the TLS handshake: the network's, unless it keeps happening. */
    static HandshakeFailure closedInTls(String message) {
        return new HandshakeFailure(false, NbdError.EIO, message, true);
    }

    /** Whether the server closed the connection during the TLS handshake. */
    boolean closedInTls() {
        return closedInTls;
    }

    /** The refusal {@code closes} such closes in a row amount to. */
    HandshakeFailure refusedAfter(int closes) {
        return new HandshakeFailure(true, NbdError.EPERM, "the server closed the connection during the TLS handshake "
                + closes + " times in a row, so it refuses our credentials (GnuTLS servers close without saying "
                + "why); last: " + getMessage());
    }

    boolean fatal() {
        return fatal;
    }

    NbdError error() {
        return error;
    }
}
