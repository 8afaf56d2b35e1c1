package org.enbd.server.internal;

import io.netty.buffer.ByteBuf;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.layer.AsyncLayer;
import org.enbd.api.layer.Capabilities;
import org.enbd.api.layer.ForwardingLayer;
import org.enbd.api.layer.Layer;
import org.enbd.api.layer.Support;

/**
 * What a read-only export puts over its stack: nothing that changes data gets through, and none is advertised.
 * Over an {@link AsyncLayer} it is one too ({@link #over}), so a read-only remote export keeps the thread-free
 * path.
 */
public class ReadOnlyLayer extends ForwardingLayer {
    private ReadOnlyLayer(Layer next) {
        super(next);
    }

    /** {@code next} made read-only; an {@link AsyncLayer} if {@code next} is one. */
    public static ReadOnlyLayer over(Layer next) {
        return next instanceof AsyncLayer async ? new Async(async) : new ReadOnlyLayer(next);
    }

    @Override
    public Capabilities capabilities() throws NbdException {
        return next.capabilities().toBuilder().writable(false).fua(Support.NONE).trim(false).zero(Support.NONE)
                .fastZero(false).build();
    }

    @Override
    public void write(long offset, ByteBuf data, int flags) throws NbdException {
        throw refused();
    }

    @Override
    public void trim(long offset, long length, int flags) throws NbdException {
        throw refused();
    }

    @Override
    public void zero(long offset, long length, int flags) throws NbdException {
        throw refused();
    }

    private static NbdException refused() {
        return new NbdException(NbdError.EPERM, "export is read-only");
    }

    private static final class Async extends ReadOnlyLayer implements ForwardingAsyncLayer {
        private final AsyncLayer below;

        Async(AsyncLayer next) {
            super(next);
            this.below = next;
        }

        @Override
        public AsyncLayer asyncNext() {
            return below;
        }

        @Override
        public boolean mayBlock() {
            return below.mayBlock();
        }

        @Override
        public CompletionStage<Void> writeAsync(long offset, ByteBuf data, int flags) {
            return CompletableFuture.failedFuture(refused());
        }

        @Override
        public CompletionStage<Void> trimAsync(long offset, long length, int flags) {
            return CompletableFuture.failedFuture(refused());
        }

        @Override
        public CompletionStage<Void> zeroAsync(long offset, long length, int flags) {
            return CompletableFuture.failedFuture(refused());
        }
    }
}
