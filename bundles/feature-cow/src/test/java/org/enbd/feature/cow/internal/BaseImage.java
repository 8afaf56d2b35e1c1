package org.enbd.feature.cow.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.enbd.api.layer.Capabilities;
import org.enbd.api.layer.ExtentSink;
import org.enbd.api.layer.Layer;

/**
 * A read-only disk below the feature: byte i reads as {@code i / 512 + 1} (never zero, so a block the overlay
 * zeroed shows), block status says all data, every call is noted with the thread it came on.
 */
class BaseImage implements Layer {
    final long size;
    final List<String> calls = new CopyOnWriteArrayList<>();

    BaseImage(long size) {
        this.size = size;
    }

    static byte at(long offset) {
        return (byte) (offset / 512 + 1);
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public Capabilities capabilities() {
        return Capabilities.builder().extents(true).build();
    }

    @Override
    public CompletionStage<ByteBuf> read(long offset, int length, int flags, ByteBufAllocator alloc) {
        calls.add("read " + offset + "+" + length + " on " + Thread.currentThread().getName());
        ByteBuf buf = alloc.buffer(length);
        for (int i = 0; i < length; i++) {
            buf.writeByte(at(offset + i));
        }
        return CompletableFuture.completedFuture(buf);
    }

    @Override
    public CompletionStage<Void> extents(long offset, long length, int flags, ExtentSink sink) {
        calls.add("extents " + offset + "+" + length);
        sink.add(length, 0);
        return Layer.done();
    }
}
