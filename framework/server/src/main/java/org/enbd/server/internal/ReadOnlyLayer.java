package org.enbd.server.internal;

import io.netty.buffer.ByteBuf;
import java.util.concurrent.CompletionStage;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.layer.Capabilities;
import org.enbd.api.layer.ForwardingLayer;
import org.enbd.api.layer.Layer;
import org.enbd.api.layer.Support;

/**
 * What a read-only export puts over its stack: nothing that changes data gets through, and none is advertised.
 * The one read-only refusal of the server (the dispatcher's check refuses earlier, from the flags; this keeps a
 * layer called directly honest too).
 */
public final class ReadOnlyLayer extends ForwardingLayer {
    public ReadOnlyLayer(Layer next) {
        super(next);
    }

    @Override
    public Capabilities capabilities() throws NbdException {
        return next.capabilities().toBuilder().writable(false).fua(Support.NONE).trim(false).zero(Support.NONE)
                .fastZero(false).build();
    }

    @Override
    public CompletionStage<Void> write(long offset, ByteBuf data, int flags) {
        return refused();
    }

    @Override
    public CompletionStage<Void> trim(long offset, long length, int flags) {
        return refused();
    }

    @Override
    public CompletionStage<Void> zero(long offset, long length, int flags) {
        return refused();
    }

    private static CompletionStage<Void> refused() {
        return Layer.failed(NbdError.EPERM, "export is read-only");
    }
}
