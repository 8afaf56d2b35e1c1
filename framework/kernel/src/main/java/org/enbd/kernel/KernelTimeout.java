package org.enbd.kernel;

import java.time.Duration;

/**
 * The per-request timeout to give the kernel. Zero does not mean "wait" when a device has several connections:
 * the driver then times a request out after blk-mq's default 30 s anyway, marks the socket it went out on dead
 * (shutting the relay socket down) and requeues it, and once every socket is dead it fails I/O. The engine behind
 * the relay answers every request by itself (success, or EIO once no server was reachable for its dead time), so
 * the kernel's timer must be longer than anything the engine may take: dead time plus two stall timeouts (a
 * retraction and a resubmission) plus a margin.
 */
public final class KernelTimeout {
    private static final long MARGIN_S = 30;

    private KernelTimeout() {
    }

    /** Seconds for NBD_ATTR_TIMEOUT / NBD_SET_TIMEOUT for an engine with these timeouts. */
    public static long seconds(Duration deadTime, Duration stallTimeout) {
        return ceilSeconds(deadTime) + 2 * ceilSeconds(stallTimeout) + MARGIN_S;
    }

    private static long ceilSeconds(Duration d) {
        return (d.toMillis() + 999) / 1000;
    }
}
