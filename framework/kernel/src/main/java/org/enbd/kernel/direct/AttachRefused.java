package org.enbd.kernel.direct;

import java.io.IOException;

/** A refusal that no retry will change (no such export, TLS required, not an NBD server): the attach fails with it. */
public final class AttachRefused extends IOException {
    AttachRefused(String message) {
        super(message);
    }
}
