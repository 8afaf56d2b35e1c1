package org.enbd.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.DefaultEventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.enbd.kernel.sys.Libc;
import org.junit.jupiter.api.Test;

/**
 * {@link MemoryLock#ioFlusher}: the real prctl on this host's threads (skipped without CAP_SYS_RESOURCE; the swap
 * scenario of itests/features-kernel runs it in the VM).
 */
class MemoryLockTest {
    @Test
    void marksTheCallerAndEveryEventLoopThreadAsIoFlushers() throws Exception {
        DefaultEventLoopGroup loops = new DefaultEventLoopGroup(2);
        try {
            try { // both need Linux 5.6 and CAP_SYS_RESOURCE (which a container's root may lack)
                assertEquals(0, ioFlusher(), "this thread is no I/O flusher yet");
                MemoryLock.ioFlusher(loops);
            } catch (IOException e) {
                assumeTrue(false, "prctl(PR_SET_IO_FLUSHER) refused here: " + e.getMessage());
            }
            assertEquals(1, ioFlusher(), "the calling thread");
            for (EventExecutor loop : loops) {
                assertEquals(1, loop.submit(MemoryLockTest::ioFlusher).get(), "event loop thread " + loop);
            }
        } finally {
            loops.shutdownGracefully(0, 0, TimeUnit.SECONDS).sync();
        }
    }

    private static int ioFlusher() throws IOException {
        return Libc.prctl(Libc.PR_GET_IO_FLUSHER, 0, "prctl(PR_GET_IO_FLUSHER)");
    }
}
