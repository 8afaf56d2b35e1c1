package org.enbd.kernel.netlink;

import java.io.Serial;
import org.enbd.kernel.sys.Errno;
import org.enbd.kernel.sys.ErrnoException;

/** The generic netlink family is not registered: for "nbd", the nbd module is not loaded (or too old). */
public final class FamilyMissingException extends ErrnoException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final String family;

    public FamilyMissingException(String family) {
        super("generic netlink family \"" + family + "\" is not registered"
                + ("nbd".equals(family) ? " (is the nbd kernel module loaded? try: modprobe nbd)" : ""),
                Errno.ENOENT.value());
        this.family = family;
    }

    public String family() {
        return family;
    }
}
