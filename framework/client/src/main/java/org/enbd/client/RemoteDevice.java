package org.enbd.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.CompletionException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.control.Status;
import org.enbd.api.control.StatusBoard;
import org.enbd.api.layer.AsyncLayer;
import org.enbd.api.layer.BlockSizes;
import org.enbd.api.layer.Capabilities;
import org.enbd.api.layer.ExtentSink;
import org.enbd.api.layer.Layer;
import org.enbd.api.layer.RequestFlags;
import org.enbd.api.layer.Support;
import org.enbd.api.stream.EventLoops;
import org.enbd.client.internal.Engine;
import org.enbd.protocol.Command;
import org.enbd.protocol.ReplyChunk;
import org.enbd.protocol.TransmissionFlags;

/**
 * A remote NBD export as a {@link Layer}: ENBD's client device. Requests are pipelined over several connections
 * and survive their failures (see the package documentation).
 *
 * <p>Two forms. The blocking {@link Layer} methods suit worker threads (the kernel relay); a caller beyond
 * {@link ClientOptions#queueLimit()} outstanding requests waits there for room. Never call them on an event loop.
 * The {@link AsyncLayer} methods never wait, so ENBD-J's server calls them on its event loops (the local
 * endpoint): when {@code queueLimit} requests are already outstanding, an asynchronous request is queued anyway
 * rather than parking the loop or failing, as the server's own per-connection in-flight limit already bounds
 * what each local connection can add. Their futures complete on the engine's event loops.
 *
 * <p>Buffers: reads return a buffer the caller owns (often the bytes as they came off the wire, not a copy).
 * {@link #write} borrows {@code data} for the call and sends it without copying; if the write must be kept for a
 * replay after a server restart, its bytes are copied once, into a pooled buffer, when the server acknowledges
 * it. {@link #writeAsync} borrows {@code data} until its future completes and keeps a retained slice of it for
 * the replay log, with no copy at all.
 */
public final class RemoteDevice implements AsyncLayer {
    private final Engine engine;
    private final ClientOptions options;
    private final Capabilities capabilities;

    private RemoteDevice(Engine engine, ClientOptions options) {
        this.engine = engine;
        this.options = options;
        this.capabilities = derive(engine, options);
    }

    /**
     * Connects to {@code options.uri()} and returns once the first connection has finished its handshake; the
     * other connections open in the background.
     *
     * @param transports finds the transport for the URI's scheme (asked again on each reconnect)
     * @param loops      the framework's event loops (the engine's timers run there too)
     * @param status     where the device reports UP / DEGRADED / DOWN / FAILED; may be null
     * @param statusId   the id it reports under (the configuration's service.pid)
     * @throws NbdException with a message naming the server and the reason when the first connection fails:
     *                      refused, no such export, TLS or policy refusal, no transport for the scheme
     */
    public static RemoteDevice open(ClientOptions options, TransportResolver transports, EventLoops loops,
                                    StatusBoard status, String statusId) throws NbdException {
        return new RemoteDevice(Engine.open(options, transports, loops, status, statusId), options);
    }

    /**
     * {@link #open}, retried while the failure is the network's (EIO), with a delay doubling from 100 ms up to
     * {@link ClientOptions#reconnectMax()}: what a component does that must come up whenever the server does.
     *
     * @param stopped  asked before each attempt; true ends the wait
     * @param retrying told of each network failure before the wait
     * @return the device, or null when stopped or interrupted (the interrupt flag stays set)
     * @throws NbdException when the server refuses (unknown export, TLS or policy): retrying cannot help
     */
    public static RemoteDevice openRetrying(ClientOptions options, TransportResolver transports, EventLoops loops,
                                            StatusBoard status, String statusId, BooleanSupplier stopped,
                                            Consumer<NbdException> retrying) throws NbdException {
        long delay = 100;
        while (!stopped.getAsBoolean()) {
            try {
                return open(options, transports, loops, status, statusId);
            } catch (NbdException e) {
                if (e.error() != NbdError.EIO) {
                    throw e;
                }
                retrying.accept(e);
                try {
                    Thread.sleep(delay);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return null;
                }
                delay = Math.min(delay * 2, options.reconnectMax().toMillis());
            }
        }
        return null;
    }

    private static Capabilities derive(Engine engine, ClientOptions options) {
        int f = engine.transmissionFlags();
        BlockSizes server = engine.blockSizes();
        int max = Math.min(server.maximum(), options.maxPayload());
        max = Math.max(max - max % server.minimum(), server.preferred());
        return Capabilities.builder()
                .writable(!TransmissionFlags.has(f, TransmissionFlags.READ_ONLY))
                .flush(TransmissionFlags.has(f, TransmissionFlags.SEND_FLUSH))
                .fua(TransmissionFlags.has(f, TransmissionFlags.SEND_FUA) ? Support.NATIVE : Support.NONE)
                .trim(TransmissionFlags.has(f, TransmissionFlags.SEND_TRIM))
                .zero(TransmissionFlags.has(f, TransmissionFlags.SEND_WRITE_ZEROES) ? Support.NATIVE
                        : TransmissionFlags.has(f, TransmissionFlags.READ_ONLY) ? Support.NONE : Support.EMULATE)
                .fastZero(TransmissionFlags.has(f, TransmissionFlags.SEND_FAST_ZERO))
                .extents(engine.extents())
                .cache(TransmissionFlags.has(f, TransmissionFlags.SEND_CACHE) ? Support.NATIVE : Support.NONE)
                // one engine serves every local connection and its FLUSH covers every write acknowledged before
                // it, on whichever remote connection: so the device is multi-conn safe whatever the server says
                .multiConn(true)
                .rotational(TransmissionFlags.has(f, TransmissionFlags.ROTATIONAL))
                .blockSizes(new BlockSizes(server.minimum(), server.preferred(), max))
                .build();
    }

    @Override
    public long size() {
        return engine.size();
    }

    @Override
    public Capabilities capabilities() {
        return capabilities;
    }

    /** The transmission flags the server sent for the export (first connection). */
    public int transmissionFlags() {
        return engine.transmissionFlags();
    }

    /** The export's name as the server calls it. */
    public String exportName() {
        return engine.exportName();
    }

    /** The server's description of the export, or "". */
    public String description() {
        return engine.description();
    }

    /** Connections the device keeps open (after auto-selection). */
    public int connections() {
        return engine.targetConnections();
    }

    /** The device's state now: connections, reconnects, retracted requests. */
    public Status status() {
        return engine.status();
    }

    /**
     * Tells {@code listener} the device's status now and on every change after (connections lost or back,
     * counters), on whichever thread made the change; it must not block. One listener: a second replaces it.
     */
    public void onStatus(java.util.function.Consumer<Status> listener) {
        engine.onStatus(listener);
    }

    @Override
    public ByteBuf read(long offset, int length, int flags, ByteBufAllocator alloc) throws NbdException {
        return await(read(offset, length, flags, alloc, true));
    }

    @Override
    public void write(long offset, ByteBuf data, int flags) throws NbdException {
        // borrowed for the call only: the engine gets slices and copies what the replay log must keep
        await(write(offset, data, flags, false, true));
    }

    @Override
    public void flush(int flags) throws NbdException {
        if (capabilities.flush()) {
            await(submit(Command.FLUSH, 0, 0, 0, null, false, null, true));
        }
    }

    @Override
    public void trim(long offset, long length, int flags) throws NbdException {
        if (capabilities.trim()) {
            await(submit(Command.TRIM, offset, length, flags, null, false, null, true));
        }
    }

    @Override
    public void zero(long offset, long length, int flags) throws NbdException {
        if (capabilities.zero() == Support.NATIVE) {
            await(submit(Command.WRITE_ZEROES, offset, length, flags, null, false, null, true));
        } else {
            AsyncLayer.super.zero(offset, length, flags);
        }
    }

    @Override
    public void cache(long offset, long length, int flags) throws NbdException {
        if (capabilities.cache() == Support.NATIVE) {
            await(submit(Command.CACHE, offset, length, flags, null, false, null, true));
        }
    }

    @Override
    public void extents(long offset, long length, int flags, ExtentSink sink) throws NbdException {
        if (!capabilities.extents()) {
            sink.add(length, 0);
            return;
        }
        long end = offset + length;
        long at = offset;
        int granule = capabilities.blockSizes().minimum();
        while (at < end) {
            long ask = Math.min(end - at, 0xffffffffL & -granule);
            @SuppressWarnings("unchecked")
            List<ReplyChunk.Extent> extents = (List<ReplyChunk.Extent>) await(submit(Command.BLOCK_STATUS, at, ask,
                    flags & RequestFlags.REQ_ONE, null, false, null, true));
            if (extents.isEmpty()) {
                throw new NbdException(NbdError.EIO, "block status at " + at + " on " + options.uri()
                        + " returned no extent");
            }
            for (ReplyChunk.Extent e : extents) {
                long n = Math.min(e.length(), end - at);
                at += n;
                if (n <= 0 || !sink.add(n, e.flags()) || at >= end) {
                    return;
                }
            }
        }
    }

    // ---- AsyncLayer: never waits, so it may be called on an event loop ----

    /** Reads without waiting; the buffer completing the future belongs to the caller. */
    @Override
    public CompletableFuture<ByteBuf> readAsync(long offset, int length, int flags, ByteBufAllocator alloc) {
        return read(offset, length, flags, alloc, false);
    }

    /**
     * Writes without waiting. {@code data} is borrowed until the future completes; what the replay log must keep
     * after that is a retained slice of it, never a copy, so the caller must not change its bytes afterwards
     * (release it, as a decoded request is).
     */
    @Override
    public CompletableFuture<Void> writeAsync(long offset, ByteBuf data, int flags) {
        return write(offset, data, flags, true, false);
    }

    /** Completes once every write acknowledged before the call is durable on the server, across reconnects. */
    @Override
    public CompletableFuture<Void> flushAsync(int flags) {
        return capabilities.flush() ? done(submit(Command.FLUSH, 0, 0, 0, null, false, null, false)) : nothing();
    }

    /** {@link #flushAsync(int)} with no flags. */
    public CompletableFuture<Void> flushAsync() {
        return flushAsync(0);
    }

    @Override
    public CompletableFuture<Void> trimAsync(long offset, long length, int flags) {
        return capabilities.trim() ? done(submit(Command.TRIM, offset, length, flags, null, false, null, false))
                : nothing();
    }

    /** WRITE_ZEROES, or, when the server lacks it, writes of zeroes (as the blocking {@link #zero} does). */
    @Override
    public CompletableFuture<Void> zeroAsync(long offset, long length, int flags) {
        if (capabilities.zero() == Support.NATIVE) {
            return done(submit(Command.WRITE_ZEROES, offset, length, flags, null, false, null, false));
        }
        if (!capabilities.writable()) {
            return CompletableFuture.failedFuture(new NbdException(NbdError.EPERM, "read-only export"));
        }
        if (RequestFlags.has(flags, RequestFlags.FAST_ZERO)) {
            return CompletableFuture.failedFuture(new NbdException(NbdError.ENOTSUP, "no fast zero on "
                    + options.uri()));
        }
        int chunk = Math.min(capabilities.blockSizes().maximum(), 1 << 20);
        int wf = flags & ~(RequestFlags.NO_HOLE | RequestFlags.FAST_ZERO);
        Parts parts = new Parts((int) ((length + chunk - 1) / chunk));
        for (long done = 0; done < length; done += chunk) {
            int n = (int) Math.min(chunk, length - done);
            // the engine takes over this buffer of zeroes (and keeps it for replay without a copy)
            parts.add(submit(Command.WRITE, offset + done, n, wf, ByteBufAllocator.DEFAULT.directBuffer(n, n)
                    .writeZero(n), true, null, false));
        }
        return parts;
    }

    @Override
    public CompletableFuture<Void> cacheAsync(long offset, long length, int flags) {
        return capabilities.cache() == Support.NATIVE
                ? done(submit(Command.CACHE, offset, length, flags, null, false, null, false)) : nothing();
    }

    // ---- shared by both forms ----

    private CompletableFuture<ByteBuf> read(long offset, int length, int flags, ByteBufAllocator alloc,
                                            boolean mayWait) {
        int max = capabilities.blockSizes().maximum();
        if (length <= max) {
            return cast(submit(Command.READ, offset, length, flags, null, false, alloc, mayWait));
        }
        List<CompletableFuture<Object>> parts = new ArrayList<>();
        for (int done = 0; done < length; done += max) {
            parts.add(submit(Command.READ, offset + done, Math.min(max, length - done), flags, null, false, alloc,
                    mayWait));
        }
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).handle((v, err) -> {
            CompositeByteBuf out = alloc.compositeBuffer(parts.size());
            for (CompletableFuture<Object> p : parts) {
                if (!p.isCompletedExceptionally()) {
                    out.addComponent(true, (ByteBuf) p.join());
                }
            }
            if (err != null) {
                out.release();
                throw err instanceof RuntimeException r ? r : new CompletionException(err);
            }
            return out;
        });
    }

    /**
     * Splits {@code data} to the payload limit; each part is a retained slice the engine takes over. With
     * {@code keep} the engine keeps those slices for replay; without, it copies what it must keep.
     */
    private CompletableFuture<Void> write(long offset, ByteBuf data, int flags, boolean keep, boolean mayWait) {
        int length = data.readableBytes();
        int max = capabilities.blockSizes().maximum();
        int from = data.readerIndex();
        if (length <= max) {
            return done(submit(Command.WRITE, offset, length, flags, data.retainedSlice(from, length), keep, null,
                    mayWait));
        }
        Parts parts = new Parts((length + max - 1) / max);
        for (int done = 0; done < length; done += max) {
            int n = Math.min(max, length - done);
            parts.add(submit(Command.WRITE, offset + done, n, flags, data.retainedSlice(from + done, n), keep, null,
                    mayWait));
        }
        return parts;
    }

    private CompletableFuture<Object> submit(Command command, long offset, long length, int flags, ByteBuf data,
                                             boolean ownsData, ByteBufAllocator alloc, boolean mayWait) {
        return engine.submit(command, offset, length, flags, data, ownsData,
                alloc == null ? ByteBufAllocator.DEFAULT : alloc, mayWait);
    }

    /**
     * The engine completes requests other than READ and BLOCK_STATUS with null: the same future serves as a
     * {@code CompletableFuture<Void>}, with no stage added per request.
     */
    @SuppressWarnings("unchecked")
    private static CompletableFuture<Void> done(CompletableFuture<Object> f) {
        return (CompletableFuture<Void>) (CompletableFuture<?>) f;
    }

    /** What the server does not support is done at once (as the blocking methods do). */
    private static CompletableFuture<Void> nothing() {
        return CompletableFuture.completedFuture(null);
    }

    /** A READ's future completes with its buffer: the same future, typed. */
    @SuppressWarnings("unchecked")
    private static CompletableFuture<ByteBuf> cast(CompletableFuture<Object> f) {
        return (CompletableFuture<ByteBuf>) (CompletableFuture<?>) f;
    }

    private static <T> T await(CompletableFuture<T> f) throws NbdException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            f.thenAccept(v -> {
                if (v instanceof ByteBuf b) {
                    b.release();
                }
            });
            throw new NbdException(NbdError.EIO, "interrupted while waiting for the server");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof CompletionException c && c.getCause() != null
                    ? c.getCause() : e.getCause();
            if (cause instanceof NbdException n) {
                throw new NbdException(n.error(), n.getMessage(), n);
            }
            throw new NbdException(NbdError.EIO, String.valueOf(cause), cause);
        }
    }

    /** Waits for nothing more: fails what is outstanding, disconnects every connection, stops reconnecting. */
    @Override
    public void close() {
        engine.close();
    }
}
