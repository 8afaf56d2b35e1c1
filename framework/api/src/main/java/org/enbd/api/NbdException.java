package org.enbd.api;

import java.io.Serial;

/**
 * A request that failed with an NBD error. The message says what failed in words a user can act on (export,
 * offset, peer); it may be sent to the client in a structured error reply, so it never holds secrets.
 */
public class NbdException extends Exception {
    @Serial
    private static final long serialVersionUID = 1L;

    private final NbdError error;

    public NbdException(NbdError error, String message) {
        super(message);
        this.error = error;
    }

    public NbdException(NbdError error, String message, Throwable cause) {
        super(message, cause);
        this.error = error;
    }

    /** The error value sent to the client. */
    public NbdError error() {
        return error;
    }

    @Override
    public String toString() {
        return error + ": " + getMessage();
    }
}
