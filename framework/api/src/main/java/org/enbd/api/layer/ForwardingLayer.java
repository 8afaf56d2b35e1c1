package org.enbd.api.layer;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.enbd.api.NbdException;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A layer that passes every call to the layer below it. Features extend this and override only what they
 * change, as an nbdkit filter does; the pass-through lives here, once.
 */
@ConsumerType
public abstract class ForwardingLayer implements Layer {
    protected final Layer next;

    protected ForwardingLayer(Layer next) {
        this.next = next;
    }

    @Override
    public long size() throws NbdException {
        return next.size();
    }

    @Override
    public Capabilities capabilities() throws NbdException {
        return next.capabilities();
    }

    @Override
    public ByteBuf read(long offset, int length, int flags, ByteBufAllocator alloc) throws NbdException {
        return next.read(offset, length, flags, alloc);
    }

    @Override
    public void write(long offset, ByteBuf data, int flags) throws NbdException {
        next.write(offset, data, flags);
    }

    @Override
    public void flush(int flags) throws NbdException {
        next.flush(flags);
    }

    @Override
    public void trim(long offset, long length, int flags) throws NbdException {
        next.trim(offset, length, flags);
    }

    @Override
    public void zero(long offset, long length, int flags) throws NbdException {
        next.zero(offset, length, flags);
    }

    @Override
    public void extents(long offset, long length, int flags, ExtentSink sink) throws NbdException {
        next.extents(offset, length, flags, sink);
    }

    @Override
    public void cache(long offset, long length, int flags) throws NbdException {
        next.cache(offset, length, flags);
    }

    @Override
    public boolean mayBlock() {
        return next.mayBlock();
    }

    /** Closes only this layer's own resources: the engine closes {@code next} itself. */
    @Override
    public void close() {
    }
}
