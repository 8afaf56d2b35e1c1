package org.enbd.feature.partition.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.enbd.api.NbdError;
import org.enbd.api.layer.BlockSizes;
import org.enbd.api.layer.Capabilities;
import org.enbd.api.layer.ExtentSink;
import org.enbd.api.layer.Layer;

/**
 * A disk image as the layer below the feature: answers at once from a buffer, notes every request, and refuses
 * (EINVAL) a request not aligned to its minimum block size, as a 4 KiB-sector device would.
 */
class ImageLayer implements Layer {
    final ByteBuffer disk;
    final List<String> calls = new CopyOnWriteArrayList<>();
    private final BlockSizes blocks;

    ImageLayer(ByteBuffer disk, BlockSizes blocks) {
        this.disk = disk;
        this.blocks = blocks;
    }

    @Override
    public long size() {
        return disk.capacity();
    }

    @Override
    public Capabilities capabilities() {
        return Capabilities.builder().writable(true).extents(true).blockSizes(blocks).build();
    }

    private boolean aligned(long offset, long length) {
        return offset % blocks.minimum() == 0 && length % blocks.minimum() == 0;
    }

    @Override
    public CompletionStage<ByteBuf> read(long offset, int length, int flags, ByteBufAllocator alloc) {
        calls.add("read " + offset + "+" + length);
        if (!aligned(offset, length)) {
            return Layer.failed(NbdError.EINVAL, "unaligned read " + offset + "+" + length);
        }
        return CompletableFuture.completedFuture(alloc.buffer(length).writeBytes(disk.slice((int) offset, length)));
    }

    @Override
    public CompletionStage<Void> write(long offset, ByteBuf data, int flags) {
        calls.add("write " + offset + "+" + data.readableBytes() + " flags " + flags);
        data.getBytes(data.readerIndex(), disk.slice((int) offset, data.readableBytes()));
        return Layer.done();
    }

    @Override
    public CompletionStage<Void> trim(long offset, long length, int flags) {
        calls.add("trim " + offset + "+" + length);
        return Layer.done();
    }

    @Override
    public CompletionStage<Void> zero(long offset, long length, int flags) {
        calls.add("zero " + offset + "+" + length + " flags " + flags);
        return Layer.done();
    }

    @Override
    public CompletionStage<Void> extents(long offset, long length, int flags, ExtentSink sink) {
        calls.add("extents " + offset + "+" + length);
        sink.add(length, ExtentSink.HOLE);
        return Layer.done();
    }

    @Override
    public CompletionStage<Void> cache(long offset, long length, int flags) {
        calls.add("cache " + offset + "+" + length);
        return Layer.done();
    }

    @Override
    public CompletionStage<Void> flush(int flags) {
        calls.add("flush");
        return Layer.done();
    }
}
