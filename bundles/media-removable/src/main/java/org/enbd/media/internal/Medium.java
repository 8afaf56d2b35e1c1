package org.enbd.media.internal;

import java.util.concurrent.atomic.AtomicInteger;
import org.enbd.ioctl.Descriptor;

/**
 * One medium, one generation: the descriptor it is served from (null when nothing is in). Requests hold it while
 * they run ({@link #hold}); the export holds it while it is current; the descriptor is closed when the last
 * holder lets go, so a request in flight across a change finishes on the medium it started on, never on the new
 * one.
 */
final class Medium {
    final long generation;
    final Identity identity;
    private final Descriptor descriptor;
    private final AtomicInteger holders = new AtomicInteger(1);

    Medium(long generation, Identity identity, Descriptor descriptor) {
        this.generation = generation;
        this.identity = identity;
        this.descriptor = descriptor;
    }

    /** The descriptor, or null when no medium is in. */
    Descriptor descriptor() {
        return descriptor;
    }

    boolean present() {
        return descriptor != null && identity.present();
    }

    /** Takes a hold; false when the medium is already closed (the caller looks again). */
    boolean hold() {
        int n;
        do {
            n = holders.get();
            if (n == 0) {
                return false;
            }
        } while (!holders.compareAndSet(n, n + 1));
        return true;
    }

    void release() {
        if (holders.decrementAndGet() == 0 && descriptor != null) {
            descriptor.close();
        }
    }

    @Override
    public String toString() {
        return "generation " + generation + ": " + identity.detail();
    }
}
