package org.enbd.server.internal;

import io.netty.buffer.ByteBuf;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.layer.Capabilities;
import org.enbd.api.layer.ForwardingLayer;
import org.enbd.api.layer.Layer;
import org.enbd.api.layer.Support;

/** What a read-only export puts over its stack: nothing that changes data gets through, and none is advertised. */
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
}
