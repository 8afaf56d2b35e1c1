package org.enbd.server.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.concurrent.CompletionStage;
import org.enbd.api.layer.AsyncLayer;

/**
 * The asynchronous half of a wrapper the server puts around an {@link AsyncLayer} (session, read-only): passes
 * every asynchronous call to the layer below, so wrapping keeps the thread-free path. Mixed into a
 * {@link org.enbd.api.layer.ForwardingLayer} subclass, which supplies the synchronous half.
 */
interface ForwardingAsyncLayer extends AsyncLayer {
    /** The asynchronous layer below. */
    AsyncLayer asyncNext();

    @Override
    default CompletionStage<ByteBuf> readAsync(long offset, int length, int flags, ByteBufAllocator alloc) {
        return asyncNext().readAsync(offset, length, flags, alloc);
    }

    @Override
    default CompletionStage<Void> writeAsync(long offset, ByteBuf data, int flags) {
        return asyncNext().writeAsync(offset, data, flags);
    }

    @Override
    default CompletionStage<Void> flushAsync(int flags) {
        return asyncNext().flushAsync(flags);
    }

    @Override
    default CompletionStage<Void> trimAsync(long offset, long length, int flags) {
        return asyncNext().trimAsync(offset, length, flags);
    }

    @Override
    default CompletionStage<Void> zeroAsync(long offset, long length, int flags) {
        return asyncNext().zeroAsync(offset, length, flags);
    }

    @Override
    default CompletionStage<Void> cacheAsync(long offset, long length, int flags) {
        return asyncNext().cacheAsync(offset, length, flags);
    }
}
