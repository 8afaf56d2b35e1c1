package org.enbd.feature.async.internal;

import io.netty.buffer.ByteBuf;
import java.util.concurrent.CompletionStage;
import org.enbd.api.layer.ForwardingLayer;
import org.enbd.api.layer.Layer;

/** One connection's (or one client device's) view of its device's {@link NoAckWindow}. */
final class NoAckLayer extends ForwardingLayer {
    private final NoAckWindow window;

    NoAckLayer(Layer next, NoAckWindow window) {
        super(next);
        this.window = window;
    }

    @Override
    public CompletionStage<Void> write(long offset, ByteBuf data, int flags) {
        return window.write(next, offset, data, flags);
    }

    @Override
    public CompletionStage<Void> flush(int flags) {
        return window.flush(next, flags);
    }
}
