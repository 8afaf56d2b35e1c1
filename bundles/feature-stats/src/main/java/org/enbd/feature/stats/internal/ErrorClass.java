package org.enbd.feature.stats.internal;

import java.io.IOException;
import java.util.concurrent.TimeoutException;
import org.enbd.api.NbdException;

/**
 * Where a failed request failed, as far as the layer below says. A layer reports only an NBD error (and the
 * exception's causes), so this is the one place that reads them, by one rule:
 * <ul>
 * <li><b>wire</b>: the request never reached a medium, or its answer was lost. The error refuses the request as
 *     asked (EPERM, EINVAL, EOVERFLOW, ENOTSUP) or the service is going away (ESHUTDOWN); or the failure carries a
 *     stream failure ({@link IOException}) or a timeout in its causes, as a remote engine's does when its
 *     connection broke; or it is no {@link NbdException} at all (the engine sends EIO for it).</li>
 * <li><b>medium</b>: the storage was asked and failed: EIO, ENOSPC or ENOMEM with no stream failure behind it.
 *     A remote engine that fails a request with a bare EIO of its own (a queue deadline) is counted here: it
 *     cannot be told from the remote server's medium error by what the layer reports.</li>
 * </ul>
 */
enum ErrorClass {
    WIRE("wire"),
    MEDIUM("medium");

    static final int COUNT = 2;

    final String label;

    ErrorClass(String label) {
        this.label = label;
    }

    static ErrorClass of(Throwable failure) {
        NbdException nbd = null;
        int depth = 0;
        for (Throwable t = failure; t != null && depth < 16; t = t.getCause(), depth++) { // causes may loop
            if (nbd == null && t instanceof NbdException n) {
                nbd = n;
            } else if (nbd != null && (t instanceof IOException || t instanceof TimeoutException)) {
                return WIRE;
            }
        }
        if (nbd == null) {
            return WIRE;
        }
        return switch (nbd.error()) {
            case EIO, ENOSPC, ENOMEM -> MEDIUM;
            case EPERM, EINVAL, EOVERFLOW, ENOTSUP, ESHUTDOWN -> WIRE;
        };
    }
}
