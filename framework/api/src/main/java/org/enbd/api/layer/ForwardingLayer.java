package org.enbd.api.layer;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.concurrent.CompletionStage;
import org.enbd.api.NbdException;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A layer that passes every call to the layer below it. Features extend this and override only what they
 * change, as an nbdkit filter does; the pass-through lives here, once, for every callback (control messages
 * included), so a feature that overrides nothing costs one method call per request and no thread.
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
    public CompletionStage<ByteBuf> read(long offset, int length, int flags, ByteBufAllocator alloc) {
        return next.read(offset, length, flags, alloc);
    }

    @Override
    public CompletionStage<Void> write(long offset, ByteBuf data, int flags) {
        return next.write(offset, data, flags);
    }

    @Override
    public CompletionStage<Void> flush(int flags) {
        return next.flush(flags);
    }

    @Override
    public CompletionStage<Void> trim(long offset, long length, int flags) {
        return next.trim(offset, length, flags);
    }

    @Override
    public CompletionStage<Void> zero(long offset, long length, int flags) {
        return next.zero(offset, length, flags);
    }

    @Override
    public CompletionStage<Void> extents(long offset, long length, int flags, ExtentSink sink) {
        return next.extents(offset, length, flags, sink);
    }

    @Override
    public CompletionStage<Void> cache(long offset, long length, int flags) {
        return next.cache(offset, length, flags);
    }

    @Override
    public CompletionStage<ByteBuf> control(int type, ByteBuf data, ByteBufAllocator alloc) {
        return next.control(type, data, alloc);
    }

    /** Closes only this layer's own resources: the engine closes {@code next} itself. */
    @Override
    public void close() {
    }
}
