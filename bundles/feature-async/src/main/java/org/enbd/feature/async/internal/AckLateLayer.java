package org.enbd.feature.async.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.concurrent.CompletionStage;
import org.enbd.api.layer.ForwardingLayer;
import org.enbd.api.layer.Layer;

/** One connection's (or one client device's) view of its export's {@link AckLateWindow}. */
final class AckLateLayer extends ForwardingLayer {
    private final AckLateWindow window;

    AckLateLayer(Layer next, AckLateWindow window) {
        super(next);
        this.window = window;
    }

    @Override
    public CompletionStage<Void> write(long offset, ByteBuf data, int flags) {
        return window.write(next, offset, data, flags);
    }

    @Override
    public CompletionStage<ByteBuf> read(long offset, int length, int flags, ByteBufAllocator alloc) {
        return window.read(next, offset, length, flags, alloc);
    }

    @Override
    public CompletionStage<Void> flush(int flags) {
        return window.flush(next, flags);
    }

    @Override
    public CompletionStage<Void> trim(long offset, long length, int flags) {
        return window.afterOverlapping(offset, length, () -> next.trim(offset, length, flags));
    }

    @Override
    public CompletionStage<Void> zero(long offset, long length, int flags) {
        return window.afterOverlapping(offset, length, () -> next.zero(offset, length, flags));
    }
}
