package org.enbd.kernel;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.EventExecutorGroup;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
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
 * swap-out to this device. The kernel's own nbd driver sends with PF_MEMALLOC_NOIO; {@link #ioFlusher} gives the
 * threads that serve the device the same (prctl PR_SET_IO_FLUSHER, Linux 5.6, CAP_SYS_RESOURCE): their allocations
 * may reclaim clean pages but never start or wait for I/O, such as a swap-out to this very device.
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

    /**
     * Marks the calling thread and every thread of {@code loops} (each runs the mark itself: the flag is a
     * thread's) as I/O flushers, PR_SET_IO_FLUSHER; threads they start inherit it. Waits for the loops; never call
     * it on one of them.
     */
    public static void ioFlusher(EventExecutorGroup loops) throws IOException {
        markThisThread();
        List<Future<?>> marks = new ArrayList<>();
        for (EventExecutor loop : loops) {
            marks.add(loop.submit(() -> {
                markThisThread();
                return null;
            }));
        }
        for (Future<?> mark : marks) {
            try {
                mark.get();
            } catch (ExecutionException e) {
                throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while marking the event loops as I/O flushers", e);
            }
        }
    }

    private static void markThisThread() throws IOException {
        try {
            Libc.prctl(Libc.PR_SET_IO_FLUSHER, 1, "prctl(PR_SET_IO_FLUSHER) on " + Thread.currentThread().getName());
        } catch (IOException e) {
            throw new IOException(e.getMessage() + " (needs Linux 5.6 and CAP_SYS_RESOURCE)", e);
        }
    }
}
