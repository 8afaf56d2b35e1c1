package org.enbd.protocol.handshake;

/**
 * The data of an option request or option reply does not follow the layout the spec gives for it (a length that
 * points past the end, trailing bytes, invalid UTF-8). The server answers such an option with
 * NBD_REP_ERR_INVALID and goes on; a client gives up on the server.
 */
public final class MalformedOptionException extends IllegalArgumentException {
    public MalformedOptionException(String message) {
        super(message);
    }
}
