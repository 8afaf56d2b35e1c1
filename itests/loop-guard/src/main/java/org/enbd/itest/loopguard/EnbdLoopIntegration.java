package org.enbd.itest.loopguard;

import io.netty.util.concurrent.FastThreadLocalThread;
import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * What counts as an event loop thread, what counts as blocking on JDK 25, and where to report it.
 *
 * <p>Netty's own integration (loaded by BlockHound from netty-common) already treats every
 * {@link FastThreadLocalThread} that does not permit blocking calls as non-blocking: ENBD-J's loops are made by
 * Netty's {@code DefaultThreadFactory("enbd-io")} in {@code NettyEventLoops}, so they are such threads. This
 * integration says so again, and adds the loops' name, so the guard does not depend on that integration or on
 * how the thread factory builds its threads.
 */
final class EnbdLoopIntegration implements BlockHoundIntegration {
    /** The names of ENBD-J's event loop threads ({@code DefaultThreadFactory("enbd-io")}: enbd-io-1-1, ...). */
    static final String LOOP_NAME_PREFIX = "enbd-io-";

    private static final String FD = "Ljava/io/FileDescriptor;";

    @Override
    public void applyTo(BlockHound.Builder builder) {
        builder.nonBlockingThreadPredicate(current -> current.or(EnbdLoopIntegration::isEventLoop));
        markJdk25FileIo(builder);
        // loading a class reads its jar once, on whichever thread first needs the class; that is not a loop
        // blocking on I/O it does per request
        builder.allowBlockingCallsInside("java.lang.ClassLoader", "loadClass");
        allowNettyInternals(builder);
        builder.blockingMethodCallback(LoopGuard::record);
    }

    /**
     * Netty's own integration allows its allocator's short internal locks ({@code PoolArena.lock},
     * {@code AdaptivePoolingAllocator$1.initialValue}, ...) but, in 4.2.18, not this one: an epoll read allocates
     * its buffer, the adaptive allocator grows its magazines and frees one under a StampedLock write lock, which
     * parks when another loop holds it (seen in ParallelClientsTest and CopyThroughEndpointTest). Netty code,
     * not ENBD-J's: drop this when Netty's integration covers it.
     */
    private static void allowNettyInternals(BlockHound.Builder builder) {
        builder.allowBlockingCallsInside("io.netty.buffer.AdaptivePoolingAllocator$Magazine", "free");
    }

    static boolean isEventLoop(Thread t) {
        return t instanceof FastThreadLocalThread f && !f.permitBlockingCalls()
                || t.getName().startsWith(LOOP_NAME_PREFIX);
    }

    /**
     * BlockHound's list (1.0.17) has the stream and RandomAccessFile reads and writes, sleeping, parking and
     * waiting, but not FileChannel's file I/O ({@code UnixFileDispatcherImpl} on JDK 25), which is what file
     * backends use, nor opening a file. Both block on the disk, so both count here.
     */
    private static void markJdk25FileIo(BlockHound.Builder builder) {
        builder.markAsBlocking("java.io.RandomAccessFile", "open0", "(Ljava/lang/String;I)V");
        builder.markAsBlocking("java.io.FileInputStream", "open0", "(Ljava/lang/String;)V");
        builder.markAsBlocking("java.io.FileOutputStream", "open0", "(Ljava/lang/String;Z)V");
        builder.markAsBlocking("sun.nio.fs.UnixNativeDispatcher", "open0", "(JII)I");
        String dispatcher = "sun.nio.ch.UnixFileDispatcherImpl";
        builder.markAsBlocking(dispatcher, "read0", "(" + FD + "JI)I");
        builder.markAsBlocking(dispatcher, "pread0", "(" + FD + "JIJ)I");
        builder.markAsBlocking(dispatcher, "readv0", "(" + FD + "JI)J");
        builder.markAsBlocking(dispatcher, "write0", "(" + FD + "JI)I");
        builder.markAsBlocking(dispatcher, "pwrite0", "(" + FD + "JIJ)I");
        builder.markAsBlocking(dispatcher, "writev0", "(" + FD + "JI)J");
        builder.markAsBlocking(dispatcher, "force0", "(" + FD + "Z)I");
    }
}
