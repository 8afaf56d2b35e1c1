package org.enbd.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.control.Status;
import org.enbd.api.control.StatusBoard;
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
 * and survive their failures (see the package documentation). The blocking {@link Layer} methods suit worker
 * threads (the local endpoint's server, the kernel relay); the {@code *Async} methods suit callers that keep many
 * requests outstanding themselves. Both wait only when {@link ClientOptions#queueLimit()} requests are already
 * outstanding. Never call either on a Netty event loop.
 *
 * <p>Buffers: {@link #read} returns a buffer the caller owns (often the bytes as they came off the wire, not a
 * copy). {@link #write} borrows {@code data} for the call and sends it without copying; if the write must be kept
 * for a replay after a server restart, its bytes are copied once when the server acknowledges it.
 * {@link #writeAsync} takes over the caller's reference instead, and keeps it without any copy.
 */
public final class RemoteDevice implements Layer {
    private final Engine engine;
    private final ClientOptions options;
    private final Semaphore room;
    private final Capabilities capabilities;

    private RemoteDevice(Engine engine, ClientOptions options) {
        this.engine = engine;
        this.options = options;
        this.room = new Semaphore(options.queueLimit());
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

    @Override
    public ByteBuf read(long offset, int length, int flags, ByteBufAllocator alloc) throws NbdException {
        return await(readAsync(offset, length, flags, alloc));
    }

    @Override
    public void write(long offset, ByteBuf data, int flags) throws NbdException {
        int length = data.readableBytes();
        int max = capabilities.blockSizes().maximum();
        List<CompletableFuture<?>> parts = new ArrayList<>();
        for (int done = 0; done < length || length == 0; done += max) {
            int n = Math.min(max, length - done);
            parts.add(submit(Command.WRITE, offset + done, n, flags, data.retainedSlice(data.readerIndex() + done, n),
                    false, null));
            if (length == 0) {
                break;
            }
        }
        awaitAll(parts);
    }

    @Override
    public void flush(int flags) throws NbdException {
        if (capabilities.flush()) {
            await(flushAsync());
        }
    }

    @Override
    public void trim(long offset, long length, int flags) throws NbdException {
        if (capabilities.trim()) {
            await(trimAsync(offset, length, flags));
        }
    }

    @Override
    public void zero(long offset, long length, int flags) throws NbdException {
        if (capabilities.zero() == Support.NATIVE) {
            await(zeroAsync(offset, length, flags));
        } else {
            Layer.super.zero(offset, length, flags);
        }
    }

    @Override
    public void cache(long offset, long length, int flags) throws NbdException {
        if (capabilities.cache() == Support.NATIVE) {
            await(submit(Command.CACHE, offset, length, flags, null, false, null));
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
                    flags & RequestFlags.REQ_ONE, null, false, null));
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

    /** Reads asynchronously; the buffer completing the future belongs to the caller. */
    public CompletableFuture<ByteBuf> readAsync(long offset, int length, int flags, ByteBufAllocator alloc) {
        int max = capabilities.blockSizes().maximum();
        if (length <= max) {
            return submit(Command.READ, offset, length, flags, null, false, alloc).thenApply(ByteBuf.class::cast);
        }
        List<CompletableFuture<Object>> parts = new ArrayList<>();
        for (int done = 0; done < length; done += max) {
            parts.add(submit(Command.READ, offset + done, Math.min(max, length - done), flags, null, false, alloc));
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
                throw err instanceof RuntimeException r ? r : new java.util.concurrent.CompletionException(err);
            }
            return out;
        });
    }

    /** Writes asynchronously; takes over the caller's reference to {@code data} (no copy, even for replay). */
    public CompletableFuture<Void> writeAsync(long offset, ByteBuf data, int flags) {
        if (data.readableBytes() > capabilities.blockSizes().maximum()) {
            CompletableFuture<Void> f = new CompletableFuture<>();
            try {
                write(offset, data, flags);
                f.complete(null);
            } catch (NbdException e) {
                f.completeExceptionally(e);
            } finally {
                data.release();
            }
            return f;
        }
        return submit(Command.WRITE, offset, data.readableBytes(), flags, data, true, null).thenApply(o -> null);
    }

    /** Completes once every write acknowledged before the call is durable on the server, across reconnects. */
    public CompletableFuture<Void> flushAsync() {
        return submit(Command.FLUSH, 0, 0, 0, null, false, null).thenApply(o -> null);
    }

    public CompletableFuture<Void> trimAsync(long offset, long length, int flags) {
        return submit(Command.TRIM, offset, length, flags, null, false, null).thenApply(o -> null);
    }

    public CompletableFuture<Void> zeroAsync(long offset, long length, int flags) {
        return submit(Command.WRITE_ZEROES, offset, length, flags, null, false, null).thenApply(o -> null);
    }

    private CompletableFuture<Object> submit(Command command, long offset, long length, int flags, ByteBuf data,
                                             boolean ownsData, ByteBufAllocator alloc) {
        try {
            room.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (data != null) {
                data.release();
            }
            return CompletableFuture.failedFuture(new NbdException(NbdError.EIO, "interrupted"));
        }
        CompletableFuture<Object> f = engine.submit(command, offset, length, flags, data, ownsData,
                alloc == null ? ByteBufAllocator.DEFAULT : alloc);
        f.whenComplete((v, e) -> room.release());
        return f;
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
            Throwable cause = e.getCause() instanceof java.util.concurrent.CompletionException c && c.getCause() != null
                    ? c.getCause() : e.getCause();
            if (cause instanceof NbdException n) {
                throw new NbdException(n.error(), n.getMessage(), n);
            }
            throw new NbdException(NbdError.EIO, String.valueOf(cause), cause);
        }
    }

    private static void awaitAll(List<CompletableFuture<?>> parts) throws NbdException {
        NbdException first = null;
        for (CompletableFuture<?> p : parts) {
            try {
                await(p);
            } catch (NbdException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /** Waits for nothing more: fails what is outstanding, disconnects every connection, stops reconnecting. */
    @Override
    public void close() {
        engine.close();
    }
}
