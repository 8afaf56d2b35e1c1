package org.enbd.feature.stats.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.layer.Capabilities;
import org.enbd.api.layer.ExtentSink;
import org.enbd.api.layer.Layer;

/**
 * The layer below the one under test: records each call by name and answers with what the test scripted. By
 * default every call succeeds at once (a read with zeros, a control message with an empty buffer).
 */
final class ScriptedLayer implements Layer {
    final List<String> calls = new ArrayList<>();
    /** When set, the next call returns this stage (and the field is cleared). */
    CompletableFuture<?> next;
    /** When set, every call fails with it at once. */
    NbdException failure;

    static NbdException error(NbdError error) {
        return new NbdException(error, "scripted " + error);
    }

    @Override
    public long size() {
        return 1 << 20;
    }

    @Override
    public Capabilities capabilities() {
        return Capabilities.builder().writable(true).build();
    }

    @SuppressWarnings("unchecked")
    private <T> CompletionStage<T> answer(String call, T value) {
        calls.add(call);
        if (next != null) {
            CompletableFuture<?> scripted = next;
            next = null;
            return (CompletionStage<T>) scripted;
        }
        return failure != null ? CompletableFuture.failedFuture(failure) : CompletableFuture.completedFuture(value);
    }

    @Override
    public CompletionStage<ByteBuf> read(long offset, int length, int flags, ByteBufAllocator alloc) {
        return answer("read " + offset + " " + length, failure != null || next != null ? null
                : alloc.buffer(length).writeZero(length));
    }

    @Override
    public CompletionStage<Void> write(long offset, ByteBuf data, int flags) {
        return answer("write " + offset + " " + data.readableBytes(), null);
    }

    @Override
    public CompletionStage<Void> flush(int flags) {
        return answer("flush", null);
    }

    @Override
    public CompletionStage<Void> trim(long offset, long length, int flags) {
        return answer("trim " + offset + " " + length, null);
    }

    @Override
    public CompletionStage<Void> zero(long offset, long length, int flags) {
        return answer("zero " + offset + " " + length, null);
    }

    @Override
    public CompletionStage<Void> extents(long offset, long length, int flags, ExtentSink sink) {
        return answer("extents " + offset + " " + length, null);
    }

    @Override
    public CompletionStage<Void> cache(long offset, long length, int flags) {
        return answer("cache " + offset + " " + length, null);
    }

    @Override
    public CompletionStage<ByteBuf> control(int type, ByteBuf data, ByteBufAllocator alloc) {
        return answer("control 0x" + Integer.toHexString(type), failure != null || next != null ? null
                : alloc.buffer(0));
    }
}
