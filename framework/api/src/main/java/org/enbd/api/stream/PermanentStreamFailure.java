package org.enbd.api.stream;

import java.io.IOException;

/**
 * A stream that cannot be opened to an address, and will not be by trying again: the peer's identity was refused
 * (an SSH host key unknown or changed), our credentials were refused, or the address is one the transport will
 * never use (an SSH host name starting with {@code -}). A {@link Transport} completes {@code connect}'s stage with
 * it, or with an exception caused by it; the client engine then stops reconnecting and fails the device with the
 * message, as it does for a server's policy refusal. Every other failure of {@code connect} is the network's, and
 * the engine retries it with back-off.
 *
 * <p>The message is what the user reads: it names the address, what was refused and what to do about it.
 */
public class PermanentStreamFailure extends IOException {
    private static final long serialVersionUID = 1L;

    public PermanentStreamFailure(String message) {
        super(message);
    }

    public PermanentStreamFailure(String message, Throwable cause) {
        super(message, cause);
    }

    /** The permanent failure in {@code failure}'s cause chain (a stage's CompletionException wraps it), or null. */
    public static PermanentStreamFailure in(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof PermanentStreamFailure permanent) {
                return permanent;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return null;
    }
}
