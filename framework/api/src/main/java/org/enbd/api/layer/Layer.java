package org.enbd.api.layer;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * One export as a connection sees it: nbdkit's plugin and filter callbacks in one interface, in one form. A
 * backend ends the chain; a {@link Feature} wraps the layer below it (extend {@link ForwardingLayer}).
 *
 * <p><b>One contract, asynchronous.</b> Every request method returns a stage and must not block: the engine
 * calls it on the connection's event loop (server) or on whatever thread submitted the request (client device,
 * kernel relay). A layer whose work blocks (a disk without {@code RWF_NOWAIT}, a local overlay file) hands it to
 * threads it owns and completes the stage from there; a layer that answers at once (memory, counters, a
 * pass-through) returns a completed stage. So a feature written the simple way, overriding a method to look at
 * the request and returning {@code next}'s stage, costs no thread whatever sits below it: there is no second,
 * synchronous path that a wrapper could silently fall back to. (The first wave had one, {@code AsyncLayer}
 * beside a blocking {@code Layer}; every wrapper that did not implement both lost the thread-free path.)
 *
 * <p><b>Validated once.</b> Requests reach a layer already checked by the engine: offsets and lengths lie
 * inside {@link #size()}, lengths are within {@link BlockSizes#maximum()}, flags are ones the client may send for
 * that command and negotiated. Layers never check again. A layer is called concurrently, for one connection and
 * for many; it must be thread-safe.
 *
 * <p><b>Opening.</b> {@link #size()} and {@link #capabilities()} are asked when the connection opens, off the
 * event loop (they may block); later size changes travel upward as {@link ExportEvent}s.
 *
 * <p><b>Buffers.</b> {@link #read} completes with a buffer the caller owns and releases. {@link #write} borrows
 * {@code data} until its stage completes: the layer must not release it, and retains or copies what it keeps
 * beyond that.
 *
 * <p><b>Failures.</b> A stage fails with an {@link NbdException} naming the NBD error (possibly wrapped in a
 * {@link java.util.concurrent.CompletionException}); anything else becomes EIO. The engine maps failures to
 * errno values in one place.
 *
 * <p><b>Derived behaviour.</b> What a layer does not implement is derived here, as nbdkit derives it: no write
 * means read-only (EPERM), zero is written as zero bytes, block status reports all data, cache, trim and flush
 * do nothing, control messages are not understood (ENOTSUP). {@link #capabilities()} must say so, so that the
 * server advertises honestly.
 */
@ConsumerType
public interface Layer extends AutoCloseable {

    /** Size of the export in bytes; asked at open, off the event loop. */
    long size() throws NbdException;

    /** What this layer does; asked once per connection at open, off the event loop. */
    Capabilities capabilities() throws NbdException;

    /** Reads {@code length} bytes at {@code offset} into a new buffer from {@code alloc}. */
    CompletionStage<ByteBuf> read(long offset, int length, int flags, ByteBufAllocator alloc);

    /** Writes {@code data.readableBytes()} bytes at {@code offset}; with {@link RequestFlags#FUA}, durably. */
    default CompletionStage<Void> write(long offset, ByteBuf data, int flags) {
        return failed(NbdError.EPERM, "export is read-only");
    }

    /** Makes every write completed before this call durable. */
    default CompletionStage<Void> flush(int flags) {
        return done();
    }

    /** Discards a range; its contents become unspecified. Advisory: doing nothing is correct. */
    default CompletionStage<Void> trim(long offset, long length, int flags) {
        return done();
    }

    /**
     * Makes a range read as zeros. The default writes zero bytes, one MiB after another (so it never punches
     * holes), and refuses {@link RequestFlags#FAST_ZERO}, which promises that zeroing is faster than writing.
     */
    default CompletionStage<Void> zero(long offset, long length, int flags) {
        if (RequestFlags.has(flags, RequestFlags.FAST_ZERO)) {
            return failed(NbdError.ENOTSUP, "fast zero is not supported by this export");
        }
        return ZeroWriter.write(this, offset, length, flags & RequestFlags.FUA);
    }

    /**
     * Reports allocation from {@code offset} on, at least one extent, until the sink says stop or the range
     * ends, and completes once the sink holds all it will get. The sink is filled by one thread at a time.
     */
    default CompletionStage<Void> extents(long offset, long length, int flags, ExtentSink sink) {
        sink.add(length, 0);
        return done();
    }

    /** Asks the layer to prefetch a range. Advisory. */
    default CompletionStage<Void> cache(long offset, long length, int flags) {
        return done();
    }

    /**
     * An ENBD control message (a remote ioctl, a media query) travelling down the stack: a feature that claims
     * {@code type} (see {@link Feature#CONTROL_TYPES}) answers it, every other layer passes it on, and the end of
     * the chain refuses it with ENOTSUP. On the client, the remote device is the end of the chain and carries the
     * message to the server's stack over the negotiated ENBD extension. {@code data} is borrowed as a write's is;
     * the reply buffer belongs to the caller.
     */
    default CompletionStage<ByteBuf> control(int type, ByteBuf data, ByteBufAllocator alloc) {
        return failed(NbdError.ENOTSUP, "control message 0x" + Integer.toHexString(type) + " is not understood");
    }

    /** Releases what this layer holds. Called once, when the connection (or export) that opened it closes. */
    @Override
    default void close() {
    }

    /** A completed stage, for layers that answer at once. */
    static CompletionStage<Void> done() {
        return ZeroWriter.DONE;
    }

    /** A failed stage carrying an NBD error. */
    static <T> CompletionStage<T> failed(NbdError error, String message) {
        return CompletableFuture.failedFuture(new NbdException(error, message));
    }
}
