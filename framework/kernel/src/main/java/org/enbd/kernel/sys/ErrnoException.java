package org.enbd.kernel.sys;

import java.io.IOException;
import java.io.Serial;

/** A system call or kernel reply that failed with an errno; the message names the call, its target and the errno. */
public class ErrnoException extends IOException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final int errno;

    /** @param what the call and what it was applied to, e.g. {@code ioctl NBD_SET_SOCK on /dev/nbd0} */
    public ErrnoException(String what, int errno) {
        super(what + ": " + Errno.describe(errno));
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }

    /** Whether the errno is {@code e}. */
    public boolean is(Errno e) {
        return errno == e.value();
    }
}
