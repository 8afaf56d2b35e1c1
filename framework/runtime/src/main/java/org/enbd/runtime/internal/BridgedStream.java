package org.enbd.runtime.internal;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import io.netty.channel.Channel;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One bridged stream: the blocking end {@code fd} of a socketpair whose other end is {@code channel}, pumped by two
 * platform threads (a pump blocks in read(2) or in the stream, so a virtual thread would pin its carrier).
 *
 * <p>The input pump copies the stream into the socket; at the stream's end it shuts the socket's write side, so
 * the channel reads end-of-stream and closes. The output pump copies the socket into the stream; when the channel
 * has closed (read returns 0) or the stream fails, it ends everything: closes both streams (which wakes the input
 * pump in its read), shuts the socket down (which wakes it in a write), joins it, and closes {@code fd}. So the
 * output pump is the one that finishes, and {@link #finished()} completes when both threads are done.
 */
final class BridgedStream {
    private static final Logger LOG = LoggerFactory.getLogger(BridgedStream.class);
    /** Each pump's one buffer: bounded; the socketpair's own buffers hold the rest. */
    static final int BUFFER = 64 * 1024;
    private static final long JOIN_MS = 10_000;

    private final String name;
    private final int fd;
    private final InputStream in;
    private final OutputStream out;
    private final Channel channel;
    private final Thread inPump;
    private final Thread outPump;
    private final CompletableFuture<Void> finished = new CompletableFuture<>();

    BridgedStream(String name, int fd, InputStream in, OutputStream out, Channel channel) {
        this.name = name;
        this.fd = fd;
        this.in = in;
        this.out = out;
        this.channel = channel;
        this.inPump = Thread.ofPlatform().name("enbd-bridge-" + name + "-in").daemon().unstarted(this::pumpIn);
        this.outPump = Thread.ofPlatform().name("enbd-bridge-" + name + "-out").daemon().unstarted(this::pumpOut);
    }

    void start() {
        inPump.start();
        outPump.start();
    }

    Channel channel() {
        return channel;
    }

    /** Completes when both pumps have ended, the streams are closed and the descriptor is released. */
    CompletableFuture<Void> finished() {
        return finished;
    }

    /**
     * Closes the channel and waits for the pumps (never call on an event loop). The descriptor is left to the
     * output pump, which may have closed it already: touching it here could hit a reused number.
     */
    void close() {
        channel.close().awaitUninterruptibly(JOIN_MS);
        closeQuietly(in);
        closeQuietly(out); // wakes the output pump if it is blocked writing to a stalled stream
        if (!joined(outPump)) {
            LOG.warn("bridge {}: a pump is still blocked in its stream after {} ms", name, JOIN_MS);
        }
    }

    private void pumpIn() {
        byte[] bytes = new byte[BUFFER];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(BUFFER);
            int n;
            while ((n = in.read(bytes)) >= 0) {
                MemorySegment.copy(bytes, 0, buffer, JAVA_BYTE, 0, n);
                UnixSocketpair.writeFully(fd, buffer, n);
            }
        } catch (IOException e) {
            LOG.debug("bridge {}: input ended: {}", name, e.toString());
        } finally {
            // end of stream for the channel, which then closes (no half-closure); harmless when it has gone
            UnixSocketpair.shutdown(fd, UnixSocketpair.SHUT_WR);
        }
    }

    private void pumpOut() {
        byte[] bytes = new byte[BUFFER];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(BUFFER);
            int n;
            while ((n = UnixSocketpair.read(fd, buffer, BUFFER)) > 0) {
                MemorySegment.copy(buffer, JAVA_BYTE, 0, bytes, 0, n);
                out.write(bytes, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            LOG.debug("bridge {}: output ended: {}", name, e.toString());
        } finally {
            finish();
        }
    }

    private void finish() {
        UnixSocketpair.shutdown(fd, UnixSocketpair.SHUT_RDWR); // the channel sees the end; a blocked write wakes
        closeQuietly(in);
        closeQuietly(out);
        if (!joined(inPump)) {
            // its stream ignored close(): leave the descriptor open rather than let a reused number be written
            LOG.warn("bridge {}: the input stream did not unblock on close; its pump is left behind", name);
            finished.completeExceptionally(new IOException("bridge " + name + ": input pump still blocked"));
            return;
        }
        UnixSocketpair.close(fd);
        finished.complete(null);
    }

    private static boolean joined(Thread pump) {
        try {
            pump.join(JOIN_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !pump.isAlive();
    }

    private void closeQuietly(Closeable stream) {
        try {
            stream.close();
        } catch (IOException e) {
            LOG.debug("bridge {}: closing a stream: {}", name, e.toString());
        }
    }
}
