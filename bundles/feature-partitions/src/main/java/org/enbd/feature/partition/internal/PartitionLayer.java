package org.enbd.feature.partition.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.concurrent.CompletionStage;
import org.enbd.api.layer.ExtentSink;
import org.enbd.api.layer.ForwardingLayer;
import org.enbd.api.layer.Layer;

/**
 * One connection's view of one partition: the export is the partition's bytes, so {@link #size()} is its length
 * and every ranged request is moved by its offset. Requests arrive checked against this size by the engine, so
 * none reaches outside the partition; flush and control messages pass unchanged.
 */
final class PartitionLayer extends ForwardingLayer {
    private final long start;
    private final long length;

    PartitionLayer(Layer next, Partition partition) {
        super(next);
        this.start = partition.offset();
        this.length = partition.length();
    }

    @Override
    public long size() {
        return length;
    }

    @Override
    public CompletionStage<ByteBuf> read(long offset, int length, int flags, ByteBufAllocator alloc) {
        return next.read(start + offset, length, flags, alloc);
    }

    @Override
    public CompletionStage<Void> write(long offset, ByteBuf data, int flags) {
        return next.write(start + offset, data, flags);
    }

    @Override
    public CompletionStage<Void> trim(long offset, long length, int flags) {
        return next.trim(start + offset, length, flags);
    }

    @Override
    public CompletionStage<Void> zero(long offset, long length, int flags) {
        return next.zero(start + offset, length, flags);
    }

    @Override
    public CompletionStage<Void> extents(long offset, long length, int flags, ExtentSink sink) {
        return next.extents(start + offset, length, flags, sink);
    }

    @Override
    public CompletionStage<Void> cache(long offset, long length, int flags) {
        return next.cache(start + offset, length, flags);
    }
}
