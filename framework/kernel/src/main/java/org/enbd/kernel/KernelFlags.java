package org.enbd.kernel;

import org.enbd.api.layer.Capabilities;
import org.enbd.api.layer.Support;
import org.enbd.protocol.TransmissionFlags;

/**
 * The transmission flags given to the kernel for a layer: what the kernel's nbd driver acts on (read-only,
 * flush, FUA, trim, write zeroes, rotational, multi-connection). It never sends CACHE, BLOCK_STATUS, DF or
 * FAST_ZERO, so those are not offered.
 */
public final class KernelFlags {
    private KernelFlags() {
    }

    public static int of(Capabilities caps) {
        int flags = TransmissionFlags.HAS_FLAGS;
        if (!caps.writable()) {
            flags |= TransmissionFlags.READ_ONLY;
        }
        if (caps.flush()) {
            flags |= TransmissionFlags.SEND_FLUSH;
        }
        if (caps.fua() != Support.NONE) {
            flags |= TransmissionFlags.SEND_FUA;
        }
        if (caps.writable() && caps.trim()) {
            flags |= TransmissionFlags.SEND_TRIM;
        }
        if (caps.writable() && caps.zero() != Support.NONE) {
            flags |= TransmissionFlags.SEND_WRITE_ZEROES;
        }
        if (caps.rotational()) {
            flags |= TransmissionFlags.ROTATIONAL;
        }
        if (caps.multiConn()) {
            flags |= TransmissionFlags.CAN_MULTI_CONN;
        }
        return flags;
    }

    /** The logical block size: 4096 when the size and the layer's alignment allow it, else 512. */
    public static int blockSize(long sizeBytes, Capabilities caps) {
        int minimum = caps.blockSizes().minimum();
        return sizeBytes % 4096 == 0 && minimum <= 4096 ? 4096 : Math.max(512, minimum);
    }
}
