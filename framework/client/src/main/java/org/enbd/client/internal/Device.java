package org.enbd.client.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.control.Status;
import org.enbd.api.control.StatusBoard;
import org.enbd.api.layer.BlockSizes;
import org.enbd.api.layer.Capabilities;
import org.enbd.api.layer.ExportEvent;
import org.enbd.api.layer.ExtentSink;
import org.enbd.api.layer.Layer;
import org.enbd.api.layer.RequestFlags;
import org.enbd.api.layer.Support;
import org.enbd.api.stream.EventLoops;
import org.enbd.client.ClientOptions;
import org.enbd.client.RemoteDevice;
import org.enbd.client.TransportResolver;
import org.enbd.protocol.Command;
import org.enbd.protocol.ReplyChunk;
import org.enbd.protocol.TransmissionFlags;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link RemoteDevice} the engine provides: each layer method turns into engine requests (split to the payload
 * limit, a block status query into a chain of BLOCK_STATUS requests, an emulated zero into writes of zeroes) and
 * returns the stage the engine completes. Nothing here waits.
 */
public final class Device implements RemoteDevice {
    private static final Logger LOG = LoggerFactory.getLogger(Device.class);

    private final Engine engine;
    private final ClientOptions options;
    private final Capabilities capabilities;
    private final List<Consumer<ExportEvent>> listeners = new CopyOnWriteArrayList<>();

    private Device(Engine engine, ClientOptions options) {
        this.engine = engine;
        this.options = options;
        this.capabilities = derive(engine, options);
        engine.onEvent(this::publish);
    }

    /** See {@link RemoteDevice#open}. */
    public static Device open(ClientOptions options, TransportResolver transports,
                              org.enbd.api.stream.ClientSecurity security, EventLoops loops, StatusBoard status,
                              String statusId) throws NbdException {
        return new Device(Engine.open(options, transports, security, loops, status, statusId), options);
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

    @Override
    public int transmissionFlags() {
        return engine.transmissionFlags();
    }

    @Override
    public String exportName() {
        return engine.exportName();
    }

    @Override
    public String description() {
        return engine.description();
    }

    @Override
    public int connections() {
        return engine.targetConnections();
    }

    @Override
    public boolean enbdExtension() {
        return engine.enbdExtension();
    }

    @Override
    public Status status() {
        return engine.status();
    }

    @Override
    public void onStatus(Consumer<Status> listener) {
        engine.onStatus(listener);
    }

    @Override
    public AutoCloseable onEvent(Consumer<ExportEvent> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    private void publish(ExportEvent event) {
        for (Consumer<ExportEvent> listener : listeners) {
            try {
                listener.accept(event);
            } catch (RuntimeException e) {
                LOG.warn("{}: an event listener failed on {}", options.uri(), event, e);
            }
        }
    }

    // ---- the request path ----

    @Override
    public CompletionStage<ByteBuf> read(long offset, int length, int flags, ByteBufAllocator alloc) {
        int max = capabilities.blockSizes().maximum();
        if (length <= max) {
            return typed(submit(Command.READ, offset, length, flags, null, alloc));
        }
        List<CompletableFuture<Object>> parts = new ArrayList<>();
        for (int done = 0; done < length; done += max) {
            parts.add(submit(Command.READ, offset + done, Math.min(max, length - done), flags, null, alloc));
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
                throw err instanceof CompletionException c ? c : new CompletionException(err);
            }
            return out;
        });
    }

    /**
     * Splits {@code data} to the payload limit; each part is a retained slice the engine takes over and keeps for
     * replay without a copy.
     */
    @Override
    public CompletionStage<Void> write(long offset, ByteBuf data, int flags) {
        int length = data.readableBytes();
        int max = capabilities.blockSizes().maximum();
        int from = data.readerIndex();
        if (length <= max) {
            return typed(submit(Command.WRITE, offset, length, flags, data.retainedSlice(from, length), null));
        }
        Parts parts = new Parts((length + max - 1) / max);
        for (int done = 0; done < length; done += max) {
            int n = Math.min(max, length - done);
            parts.add(submit(Command.WRITE, offset + done, n, flags, data.retainedSlice(from + done, n), null));
        }
        return parts;
    }

    /** Completes once every write acknowledged before the call is durable on the server, across reconnects. */
    @Override
    public CompletionStage<Void> flush(int flags) {
        return capabilities.flush() ? typed(submit(Command.FLUSH, 0, 0, 0, null, null)) : Layer.done();
    }

    @Override
    public CompletionStage<Void> trim(long offset, long length, int flags) {
        return capabilities.trim() ? typed(submit(Command.TRIM, offset, length, flags, null, null)) : Layer.done();
    }

    /** WRITE_ZEROES, or, when the server lacks it, writes of zeroes one mebibyte after another. */
    @Override
    public CompletionStage<Void> zero(long offset, long length, int flags) {
        if (capabilities.zero() == Support.NATIVE) {
            return typed(submit(Command.WRITE_ZEROES, offset, length, flags, null, null));
        }
        if (!capabilities.writable()) {
            return Layer.failed(NbdError.EPERM, "read-only export " + options.uri());
        }
        return RemoteDevice.super.zero(offset, length, flags);
    }

    @Override
    public CompletionStage<Void> cache(long offset, long length, int flags) {
        return capabilities.cache() == Support.NATIVE
                ? typed(submit(Command.CACHE, offset, length, flags, null, null)) : Layer.done();
    }

    /**
     * Block status as a chain of BLOCK_STATUS requests, each sent when the one before has filled the sink, until
     * the sink has enough or the range is covered. Without {@code base:allocation} the range is one data extent.
     */
    @Override
    public CompletionStage<Void> extents(long offset, long length, int flags, ExtentSink sink) {
        if (!capabilities.extents()) {
            sink.add(length, 0);
            return Layer.done();
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        extentsFrom(offset, offset + length, flags & RequestFlags.REQ_ONE, sink, done);
        return done;
    }

    private void extentsFrom(long at, long end, int flags, ExtentSink sink, CompletableFuture<Void> done) {
        long ask = Math.min(end - at, 0xffffffffL & -capabilities.blockSizes().minimum());
        submit(Command.BLOCK_STATUS, at, ask, flags, null, null).whenComplete((result, failure) -> {
            if (failure != null) {
                done.completeExceptionally(failure);
                return;
            }
            @SuppressWarnings("unchecked")
            List<ReplyChunk.Extent> extents = (List<ReplyChunk.Extent>) result;
            if (extents.isEmpty()) {
                done.completeExceptionally(new NbdException(NbdError.EIO, "block status at " + at + " on "
                        + options.uri() + " returned no extent"));
                return;
            }
            long next = at;
            try {
                for (ReplyChunk.Extent e : extents) {
                    long n = Math.min(e.length(), end - next);
                    next += n;
                    if (n <= 0 || !sink.add(n, e.flags()) || next >= end) {
                        done.complete(null);
                        return;
                    }
                }
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
                return;
            }
            extentsFrom(next, end, flags, sink, done);
        });
    }

    /**
     * An ENBD control message for the server's stack: an ENBD_CONTROL request whose offset is {@code type} and
     * whose payload is {@code data} (borrowed until the stage completes). Resubmitted on another connection like a
     * read when its connection fails. ENOTSUP at once when the server does not speak the extension.
     */
    @Override
    public CompletionStage<ByteBuf> control(int type, ByteBuf data, ByteBufAllocator alloc) {
        if (!engine.enbdExtension()) {
            return Layer.failed(NbdError.ENOTSUP, options.uri() + " is not an ENBD-J server: control message 0x"
                    + Integer.toHexString(type) + " cannot be sent");
        }
        int length = data.readableBytes();
        return typed(submit(Command.ENBD_CONTROL, Integer.toUnsignedLong(type), length, 0,
                data.retainedSlice(data.readerIndex(), length), alloc));
    }

    private CompletableFuture<Object> submit(Command command, long offset, long length, int flags, ByteBuf data,
                                             ByteBufAllocator alloc) {
        // the engine takes over data: a retained slice of the caller's buffer, kept for replay as it is
        return engine.submit(command, offset, length, flags, data, true,
                alloc == null ? ByteBufAllocator.DEFAULT : alloc);
    }

    /**
     * The engine completes READ and ENBD_CONTROL with a buffer and other requests (but BLOCK_STATUS) with null:
     * the same future serves, typed, with no stage added per request.
     */
    @SuppressWarnings("unchecked")
    private static <T> CompletableFuture<T> typed(CompletableFuture<Object> f) {
        return (CompletableFuture<T>) (CompletableFuture<?>) f;
    }

    @Override
    public int reconnect() {
        return engine.reconnect();
    }

    @Override
    public String drop(int index) {
        return engine.drop(index);
    }

    @Override
    public void retarget(org.enbd.api.stream.StreamAddress uri, org.enbd.api.stream.ClientSecurity security)
            throws NbdException {
        engine.retarget(uri, security);
    }

    @Override
    public org.enbd.api.stream.StreamAddress uri() {
        return engine.uri();
    }

    @Override
    public void close() {
        engine.close();
    }
}
