package org.enbd.server.internal;

import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.protocol.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place a failed request becomes an NBD error: an {@link NbdException} carries its own error and message
 * (an expected outcome, logged at debug); anything else is a bug or an I/O failure below, answered EIO and logged
 * once here with its stack trace.
 */
record RequestFailure(NbdError error, String message) {
    private static final Logger LOG = LoggerFactory.getLogger(RequestFailure.class);

    static RequestFailure of(Throwable failure, Request request, String peer) {
        // an asynchronous layer's stage fails with its NbdException wrapped (CompletableFuture's composition)
        while ((failure instanceof java.util.concurrent.CompletionException
                || failure instanceof java.util.concurrent.ExecutionException) && failure.getCause() != null) {
            failure = failure.getCause();
        }
        if (failure instanceof NbdException e) {
            LOG.debug("{}: {} failed: {}", peer, request, e.toString());
            return new RequestFailure(e.error(), e.getMessage());
        }
        LOG.warn("{}: {} failed", peer, request, failure);
        return new RequestFailure(NbdError.EIO, "internal error: " + failure);
    }
}
