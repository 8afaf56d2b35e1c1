package org.enbd.feature.cow.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.layer.BlockSizes;
import org.enbd.api.layer.Capabilities;
import org.enbd.api.layer.ExtentSink;
import org.enbd.api.layer.ForwardingLayer;
import org.enbd.api.layer.Layer;
import org.enbd.api.layer.RequestFlags;
import org.enbd.api.layer.Support;
import org.enbd.feature.cow.CowControl;

/**
 * One connection's view through the cow feature: writes, zeroes and trims change the {@link Overlay}, never the
 * layer below; reads and block status take each block from the overlay when it has the block and from below
 * otherwise. Changes run one at a time per overlay on the feature's I/O threads ({@link SerialQueue}); a write
 * covering part of a block the overlay does not hold reads the block from below first. Reads are not queued: one
 * that touches only blocks the overlay does not hold goes straight to the layer below, with no copy and no thread.
 */
final class CowLayer extends ForwardingLayer {
    private final Overlay overlay;
    private final Executor io;
    private final String export;
    private final String scope;
    private final boolean shared;
    private final Runnable closed;

    CowLayer(Layer next, Overlay overlay, Executor io, String export, String scope, boolean shared,
             Runnable closed) {
        super(next);
        this.overlay = overlay;
        this.io = io;
        this.export = export;
        this.scope = scope;
        this.shared = shared;
        this.closed = closed;
    }

    @Override
    public long size() {
        return overlay.size;
    }

    /** Writable whatever is below: nothing below is ever written. Multi-conn only when connections share it. */
    @Override
    public Capabilities capabilities() throws NbdException {
        Capabilities below = next.capabilities();
        BlockSizes sizes = below.blockSizes();
        int preferred = overlay.blockSize > sizes.preferred() && overlay.blockSize <= sizes.maximum()
                ? overlay.blockSize : sizes.preferred(); // a whole overlay block needs no read of the base
        return below.toBuilder().writable(true).flush(true).fua(Support.NATIVE).trim(true).zero(Support.NATIVE)
                .fastZero(false).extents(true).multiConn(shared)
                .blockSizes(new BlockSizes(sizes.minimum(), preferred, sizes.maximum())).build();
    }

    @Override
    public CompletionStage<ByteBuf> read(long offset, int length, int flags, ByteBufAllocator alloc) {
        long end = offset + length;
        boolean below = true;
        for (long b = offset / overlay.blockSize; b * overlay.blockSize < end && below; b++) {
            below = overlay.state(b) == Overlay.ABSENT;
        }
        if (below) {
            return next.read(offset, length, flags, alloc);
        }
        ByteBuf out = alloc.buffer(length, length).writerIndex(length);
        List<CompletableFuture<?>> parts = new ArrayList<>();
        for (long at = offset; at < end; ) {
            long block = at / overlay.blockSize;
            byte state = overlay.state(block);
            long runEnd = Math.min(end, (block + 1) * overlay.blockSize);
            while (runEnd < end && overlay.state(runEnd / overlay.blockSize) == state) {
                runEnd = Math.min(end, runEnd + overlay.blockSize);
            }
            int index = (int) (at - offset);
            int n = (int) (runEnd - at);
            switch (state) {
                case Overlay.ABSENT -> parts.add(next.read(at, n, flags, alloc).toCompletableFuture()
                        .thenAccept(buf -> {
                            try {
                                out.setBytes(index, buf, buf.readerIndex(), n);
                            } finally {
                                buf.release();
                            }
                        }));
                case Overlay.ZERO -> out.setZero(index, n);
                default -> {
                    long from = at;
                    if (overlay.blocking()) {
                        parts.add(CompletableFuture.runAsync(() -> copyOverlay(from, n, out, index), io));
                    } else {
                        copyOverlay(from, n, out, index);
                    }
                }
            }
            at = runEnd;
        }
        if (parts.isEmpty()) {
            return CompletableFuture.completedFuture(out);
        }
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).handle((v, failure) -> {
            if (failure != null) {
                out.release();
                throw failure instanceof CompletionException c ? c : new CompletionException(failure);
            }
            return out;
        });
    }

    /** Copies a run of DATA blocks of the overlay into {@code out}. */
    private void copyOverlay(long at, int length, ByteBuf out, int index) {
        try {
            overlay.checkOpen();
            for (long pos = at; pos < at + length; ) {
                long block = pos / overlay.blockSize;
                int from = (int) (pos - block * overlay.blockSize);
                int n = (int) Math.min(at + length - pos, overlay.blockSize - from);
                overlay.read(block, from, out, index + (int) (pos - at), n);
                pos += n;
            }
        } catch (NbdException e) {
            throw new CompletionException(e);
        }
    }

    @Override
    public CompletionStage<Void> write(long offset, ByteBuf data, int flags) {
        return change(offset, data.readableBytes(), data, data.readerIndex(), false, flags);
    }

    @Override
    public CompletionStage<Void> zero(long offset, long length, int flags) {
        return change(offset, length, null, 0, false, flags);
    }

    /** Whole blocks of the range read as zeros afterwards; parts of blocks are left (trim is advisory). */
    @Override
    public CompletionStage<Void> trim(long offset, long length, int flags) {
        return change(offset, length, null, 0, true, flags);
    }

    @Override
    public CompletionStage<Void> flush(int flags) {
        return overlay.queue().then(() -> {
            try {
                overlay.checkOpen();
                overlay.flush();
                return Layer.done();
            } catch (NbdException e) {
                return CompletableFuture.failedFuture(e);
            }
        });
    }

    /**
     * Queues a change of {@code [offset, offset + length)}: {@code data} from {@code index}, or zeros when null
     * (trim: whole blocks only). Partial blocks the overlay does not hold are read from below first.
     */
    private CompletionStage<Void> change(long offset, long length, ByteBuf data, int index, boolean trim,
                                         int flags) {
        return overlay.queue().then(() -> {
            try {
                overlay.checkOpen();
            } catch (NbdException e) {
                return CompletableFuture.failedFuture(e);
            }
            long first = offset / overlay.blockSize;
            long last = (offset + length - 1) / overlay.blockSize;
            CompletableFuture<ByteBuf> firstBase = trim ? null : base(first, offset, length);
            CompletableFuture<ByteBuf> lastBase = trim || last == first ? null : base(last, offset, length);
            CompletableFuture<Void> bases = CompletableFuture.allOf(
                    firstBase == null ? Layer.done().toCompletableFuture() : firstBase,
                    lastBase == null ? Layer.done().toCompletableFuture() : lastBase);
            return bases.handleAsync((v, failure) -> {
                try {
                    if (failure != null) {
                        throw failure instanceof CompletionException c ? c : new CompletionException(failure);
                    }
                    apply(offset, length, data, index, trim, first, last, firstBase, lastBase);
                    if (RequestFlags.has(flags, RequestFlags.FUA)) {
                        overlay.flush();
                    }
                    return null;
                } catch (NbdException e) {
                    throw new CompletionException(e);
                } finally {
                    release(firstBase);
                    release(lastBase);
                }
            }, io);
        });
    }

    /** The block's bytes from below, when the change covers only part of a block the overlay does not hold. */
    private CompletableFuture<ByteBuf> base(long block, long offset, long length) {
        long start = block * overlay.blockSize;
        int blockLength = overlay.blockLength(block);
        boolean whole = offset <= start && offset + length >= start + blockLength;
        if (whole || overlay.state(block) != Overlay.ABSENT) {
            return null;
        }
        return next.read(start, blockLength, 0, ByteBufAllocator.DEFAULT).toCompletableFuture();
    }

    private static void release(CompletableFuture<ByteBuf> base) {
        if (base != null && base.isDone() && !base.isCompletedExceptionally()) {
            base.join().release();
        }
    }

    private void apply(long offset, long length, ByteBuf data, int index, boolean trim, long first, long last,
                       CompletableFuture<ByteBuf> firstBase, CompletableFuture<ByteBuf> lastBase)
            throws NbdException {
        for (long block = first; block <= last; block++) {
            long start = block * overlay.blockSize;
            int blockLength = overlay.blockLength(block);
            int from = (int) (Math.max(offset, start) - start);
            int to = (int) (Math.min(offset + length, start + blockLength) - start);
            boolean whole = from == 0 && to == blockLength;
            if (whole && data == null) {
                overlay.zero(block);
            } else if (whole) {
                overlay.put(block, data, index + (int) (start - offset));
            } else if (!trim) {
                ByteBuf merged = Unpooled.buffer(blockLength, blockLength).writerIndex(blockLength);
                switch (overlay.state(block)) {
                    case Overlay.DATA -> overlay.read(block, 0, merged, 0, blockLength);
                    case Overlay.ZERO -> { } // a new heap buffer is zeros
                    default -> {
                        ByteBuf base = (block == first ? firstBase : lastBase).join();
                        merged.setBytes(0, base, base.readerIndex(), blockLength);
                    }
                }
                if (data == null) {
                    merged.setZero(from, to - from);
                } else {
                    merged.setBytes(from, data, index + (int) (start + from - offset), to - from);
                }
                overlay.put(block, merged, 0);
            }
        }
    }

    @Override
    public CompletionStage<Void> extents(long offset, long length, int flags, ExtentSink sink) {
        CompletableFuture<Void> result = new CompletableFuture<>();
        extentsFrom(offset, offset + length, flags, sink, result);
        return result;
    }

    /** Reports runs of the overlay's blocks itself and asks below for the runs it does not hold, in order. */
    private void extentsFrom(long at, long end, int flags, ExtentSink sink, CompletableFuture<Void> result) {
        while (at < end) {
            long block = at / overlay.blockSize;
            byte state = overlay.state(block);
            long runEnd = Math.min(end, (block + 1) * overlay.blockSize);
            while (runEnd < end && overlay.state(runEnd / overlay.blockSize) == state) {
                runEnd = Math.min(end, runEnd + overlay.blockSize);
            }
            if (state != Overlay.ABSENT) {
                if (!sink.add(runEnd - at, state == Overlay.ZERO ? ExtentSink.HOLE | ExtentSink.ZERO : 0)) {
                    result.complete(null);
                    return;
                }
                at = runEnd;
                continue;
            }
            Covered covered = new Covered(sink);
            long runLength = runEnd - at;
            long after = runEnd;
            CompletableFuture<Void> step = next.extents(at, runLength, flags, covered).toCompletableFuture();
            if (!step.isDone()) {
                step.whenComplete((v, failure) -> {
                    if (failure != null) {
                        result.completeExceptionally(failure);
                    } else if (covered.finish(runLength)) {
                        extentsFrom(after, end, flags, sink, result);
                    } else {
                        result.complete(null);
                    }
                });
                return;
            }
            if (step.isCompletedExceptionally()) {
                step.whenComplete((v, failure) -> result.completeExceptionally(failure));
                return;
            }
            if (!covered.finish(runLength)) {
                result.complete(null);
                return;
            }
            at = after;
        }
        result.complete(null);
    }

    /** Passes below's extents on, counting what they cover and whether the sink had enough. */
    private static final class Covered implements ExtentSink {
        private final ExtentSink sink;
        private long covered;
        private boolean stopped;

        Covered(ExtentSink sink) {
            this.sink = sink;
        }

        @Override
        public boolean add(long length, int flags) {
            covered += length;
            stopped = !sink.add(length, flags);
            return !stopped;
        }

        /** Reports as data what below left out of the run; whether to go on. */
        boolean finish(long runLength) {
            if (!stopped && covered < runLength) {
                stopped = !sink.add(runLength - covered, 0);
            }
            return !stopped;
        }
    }

    @Override
    public CompletionStage<ByteBuf> control(int type, ByteBuf data, ByteBufAllocator alloc) {
        if (type == CowControl.SHOW) {
            return CompletableFuture.completedFuture(json(alloc));
        }
        if (type == CowControl.DROP) {
            return overlay.queue().then(() -> {
                try {
                    overlay.checkOpen();
                    overlay.drop();
                    return CompletableFuture.completedFuture(json(alloc));
                } catch (NbdException e) {
                    return CompletableFuture.failedFuture(e);
                }
            });
        }
        if (type >= CowControl.FIRST && type <= CowControl.LAST) {
            return Layer.failed(NbdError.ENOTSUP, "cow control message 0x" + Integer.toHexString(type)
                    + " is not defined");
        }
        return next.control(type, data, alloc);
    }

    private ByteBuf json(ByteBufAllocator alloc) {
        String json = "{\"export\":" + quoted(export) + ",\"scope\":\"" + scope + "\",\"store\":"
                + quoted(overlay.store()) + ",\"blockSize\":" + overlay.blockSize + ",\"dataBlocks\":"
                + overlay.dataBlocks() + ",\"zeroBlocks\":" + overlay.zeroBlocks() + ",\"bytes\":"
                + overlay.dataBlocks() * overlay.blockSize + "}";
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        return alloc.buffer(bytes.length).writeBytes(bytes);
    }

    private static String quoted(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }

    @Override
    public void close() {
        if (closed != null) {
            closed.run();
        }
    }
}
