package org.enbd.kernel;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.enbd.api.layer.Capabilities;
import org.enbd.api.layer.Layer;
import org.enbd.api.layer.Support;

/** A tiny writable RAM disk for tests that answers at once (the backends bundle has the real one). */
final class MemoryLayer implements Layer {
    final byte[] data;

    MemoryLayer(int size) {
        data = new byte[size];
    }

    @Override
    public long size() {
        return data.length;
    }

    @Override
    public Capabilities capabilities() {
        return Capabilities.builder().writable(true).flush(true).fua(Support.EMULATE).zero(Support.EMULATE)
                .multiConn(true).build();
    }

    @Override
    public synchronized CompletionStage<ByteBuf> read(long offset, int length, int flags, ByteBufAllocator alloc) {
        return CompletableFuture.completedFuture(alloc.buffer(length).writeBytes(data, (int) offset, length));
    }

    @Override
    public synchronized CompletionStage<Void> write(long offset, ByteBuf payload, int flags) {
        payload.getBytes(payload.readerIndex(), data, (int) offset, payload.readableBytes());
        return Layer.done();
    }
}
