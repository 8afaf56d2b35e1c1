package org.enbd.feature.sync.internal;

import java.util.Locale;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;

/** How durable a write is when its reply goes out: ENBD's sync modes, as nbdkit's fua filter's modes. */
enum SyncMode {
    /** Every write and zero is durable before its reply: FUA is added, or a flush follows where FUA is not native. */
    ALWAYS,
    /** Durable only when the client asks (FUA, FLUSH), and then always, even over a layer without FUA. */
    FUA_ONLY,
    /** Nothing is made durable: FLUSH is answered at once and FUA dropped. For scratch data only. */
    NONE;

    String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    static SyncMode parse(String where, String value) throws NbdException {
        for (SyncMode mode : values()) {
            if (mode.label().equals(value.strip().toLowerCase(Locale.ROOT))) {
                return mode;
            }
        }
        throw new NbdException(NbdError.EINVAL, where + ": sync=" + value + ": expected always, fua-only or none");
    }
}
