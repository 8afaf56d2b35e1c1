package org.enbd.feature.sync.internal;

import io.netty.buffer.ByteBuf;
import java.util.concurrent.CompletionStage;
import java.util.function.IntFunction;
import org.enbd.api.NbdException;
import org.enbd.api.layer.Capabilities;
import org.enbd.api.layer.ForwardingLayer;
import org.enbd.api.layer.Layer;
import org.enbd.api.layer.RequestFlags;
import org.enbd.api.layer.Support;

/**
 * One connection's writes under a {@link SyncMode}. Where a write must be durable and the layer below has no
 * native FUA, the write is followed by a flush of the layer below, and the reply waits for both; no thread is
 * involved. Reads, trims, block status, cache and control messages pass unchanged.
 */
final class SyncModeLayer extends ForwardingLayer {
    private final SyncMode mode;
    /** The layer below honours FUA itself (checked once, at open). */
    private final boolean nativeFua;

    SyncModeLayer(Layer next, SyncMode mode) throws NbdException {
        super(next);
        this.mode = mode;
        this.nativeFua = next.capabilities().fua() == Support.NATIVE;
    }

    /** FUA is what this layer does itself (adds, emulates or drops it); flush is always accepted. */
    @Override
    public Capabilities capabilities() throws NbdException {
        return next.capabilities().toBuilder().flush(true).fua(Support.NATIVE).build();
    }

    @Override
    public CompletionStage<Void> write(long offset, ByteBuf data, int flags) {
        return durable(flags, f -> next.write(offset, data, f));
    }

    @Override
    public CompletionStage<Void> zero(long offset, long length, int flags) {
        return durable(flags, f -> next.zero(offset, length, f));
    }

    @Override
    public CompletionStage<Void> flush(int flags) {
        return mode == SyncMode.NONE ? Layer.done() : next.flush(flags);
    }

    private CompletionStage<Void> durable(int flags, IntFunction<CompletionStage<Void>> call) {
        boolean fua = switch (mode) {
            case ALWAYS -> true;
            case FUA_ONLY -> RequestFlags.has(flags, RequestFlags.FUA);
            case NONE -> false;
        };
        int plain = flags & ~RequestFlags.FUA;
        if (!fua) {
            return call.apply(plain);
        }
        if (nativeFua) {
            return call.apply(plain | RequestFlags.FUA);
        }
        return call.apply(plain).thenCompose(v -> next.flush(0));
    }
}
