package org.enbd.api.layer;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * One export as a connection sees it: nbdkit's plugin and filter callbacks in one interface. A backend ends the
 * chain; a {@link Feature} wraps the layer below it (see {@link ForwardingLayer}).
 *
 * <p><b>Contract.</b> Requests reach a layer already validated, once, by the engine: offsets and lengths lie
 * inside {@link #size()}, lengths are within {@link BlockSizes#maximum()}, flags are ones the client may send
 * for that command. Layers never check again. A layer is called concurrently from several threads, for one
 * connection and for many; it must be thread-safe. Unless {@link #mayBlock()} is false it is never called on a
 * Netty event loop.
 *
 * <p><b>Buffers.</b> {@link #read} returns a buffer the caller owns and releases. {@link #write} borrows
 * {@code data}: the layer reads it during the call, must not release it, and copies what it keeps.
 *
 * <p><b>Derived behaviour.</b> What a layer does not implement is derived here, as nbdkit derives it: no write
 * means read-only (EPERM), zero is written as zero bytes, block status reports all data, cache and trim do
 * nothing. {@link #capabilities()} must say so, so that the server advertises honestly.
 */
@ConsumerType
public interface Layer extends AutoCloseable {

    /** Size of the export in bytes. */
    long size() throws NbdException;

    /** What this layer does; asked once per connection. */
    Capabilities capabilities() throws NbdException;

    /** Reads {@code length} bytes at {@code offset} into a new buffer from {@code alloc}. */
    ByteBuf read(long offset, int length, int flags, ByteBufAllocator alloc) throws NbdException;

    /** Writes {@code data.readableBytes()} bytes at {@code offset}; with {@link RequestFlags#FUA}, durably. */
    default void write(long offset, ByteBuf data, int flags) throws NbdException {
        throw new NbdException(NbdError.EPERM, "export is read-only");
    }

    /** Makes every write completed before this call durable. */
    default void flush(int flags) throws NbdException {
    }

    /** Discards a range; its contents become unspecified. Advisory: doing nothing is correct. */
    default void trim(long offset, long length, int flags) throws NbdException {
    }

    /**
     * Makes a range read as zeros. The default writes zero bytes (so it never punches holes) and refuses
     * {@link RequestFlags#FAST_ZERO}, which promises that zeroing is faster than writing.
     */
    default void zero(long offset, long length, int flags) throws NbdException {
        if (RequestFlags.has(flags, RequestFlags.FAST_ZERO)) {
            throw new NbdException(NbdError.ENOTSUP, "fast zero is not supported by this export");
        }
        ByteBuf zeros = Unpooled.wrappedBuffer(ZeroBlock.BYTES);
        long done = 0;
        while (done < length) {
            int chunk = (int) Math.min(length - done, ZeroBlock.BYTES.length);
            write(offset + done, zeros.slice(0, chunk), flags & RequestFlags.FUA);
            done += chunk;
        }
    }

    /** Reports allocation from {@code offset} on, at least one extent, until the sink says stop or the range ends. */
    default void extents(long offset, long length, int flags, ExtentSink sink) throws NbdException {
        sink.add(length, 0);
    }

    /** Asks the layer to prefetch a range. Advisory. */
    default void cache(long offset, long length, int flags) throws NbdException {
    }

    /**
     * False when every call returns quickly without blocking (memory), so the engine may call it on the event
     * loop and save a thread hand-off. A feature that delegates must return {@code next.mayBlock()} or true.
     */
    default boolean mayBlock() {
        return true;
    }

    /** Releases what this layer holds. Called once, when the connection (or export) that opened it closes. */
    @Override
    default void close() {
    }

    /** The zero bytes the default {@link #zero} writes; read-only by convention. */
    final class ZeroBlock {
        static final byte[] BYTES = new byte[1 << 20];

        private ZeroBlock() {
        }
    }
}
