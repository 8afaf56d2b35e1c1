package org.enbd.kernel;

import java.io.IOException;
import org.enbd.kernel.sys.Libc;

/**
 * ENBD's {@code -s}: swap over ENBD. When the device is swap, the process serving it must never need to be paged
 * in, or the kernel would wait on swap-in from the very device that process serves. mlockall(MCL_CURRENT |
 * MCL_FUTURE) pins every page the JVM maps now and later.
 *
 * <p><b>Limits.</b> It keeps pages resident; it does not stop the I/O path from allocating. What may still
 * allocate while serving a request: Netty's pooled buffers when the pool grows (first use of a size class, a
 * burst above the pool), the JVM heap when it grows beyond its committed size (give {@code -Xms} = {@code -Xmx}
 * and {@code -XX:+AlwaysPreTouch}), JIT code cache and metaspace on first use of a code path (warm up before
 * swapping), thread stacks of new threads (the engine's threads are started before the device is attached), and
 * the kernel's socket buffers. Under memory pressure such an allocation can block on reclaim, which may need
 * swap-out to this device; the kernel's own nbd driver sets PF_MEMALLOC_NOIO for its sends, but our process cannot.
 * Needs CAP_IPC_LOCK or a large enough RLIMIT_MEMLOCK ({@code ulimit -l}); with a big heap, root in practice.
 */
public final class MemoryLock {
    private MemoryLock() {
    }

    /** Pins all current and future pages of this process. */
    public static void lockAll() throws IOException {
        try {
            Libc.mlockall(Libc.MCL_CURRENT | Libc.MCL_FUTURE);
        } catch (IOException e) {
            throw new IOException(e.getMessage() + " (memlock needs CAP_IPC_LOCK or a larger ulimit -l)", e);
        }
    }
}
