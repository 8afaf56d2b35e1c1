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

    private final boolean fatal;
    private final NbdError error;

    HandshakeFailure(boolean fatal, NbdError error, String message) {
        super(message);
        this.fatal = fatal;
        this.error = error;
    }

    boolean fatal() {
        return fatal;
    }

    NbdError error() {
        return error;
    }
}
