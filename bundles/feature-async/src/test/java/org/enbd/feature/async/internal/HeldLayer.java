package org.enbd.feature.async.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.layer.Capabilities;
import org.enbd.api.layer.Layer;

/**
 * The layer below, as a test drives it: a memory of {@code size} bytes whose writes land only when the test
 * answers them ({@link #answer}, in any order) or fail ({@link #fail}); reads, flushes, trims and zeros answer
 * at once. Every call is recorded in the order it arrived.
 */
final class HeldLayer implements Layer {
    record Write(long offset, byte[] data, int flags, CompletableFuture<Void> stage) {
    }

    final byte[] memory;
    final List<Write> writes = new ArrayList<>();
    final List<String> calls = new ArrayList<>();

    HeldLayer(int size) {
        memory = new byte[size];
    }

    @Override
    public long size() {
        return memory.length;
    }

    @Override
    public Capabilities capabilities() throws NbdException {
        throw new NbdException(NbdError.ENOTSUP, "not asked in these tests");
    }

    @Override
    public synchronized CompletionStage<ByteBuf> read(long offset, int length, int flags, ByteBufAllocator alloc) {
        calls.add("read " + offset + "+" + length);
        return CompletableFuture.completedFuture(alloc.buffer(length).writeBytes(memory, (int) offset, length));
    }

    @Override
    public synchronized CompletionStage<Void> write(long offset, ByteBuf data, int flags) {
        calls.add("write " + offset + "+" + data.readableBytes());
        Write w = new Write(offset, ByteBufUtil.getBytes(data), flags, new CompletableFuture<>());
        writes.add(w);
        return w.stage();
    }

    @Override
    public synchronized CompletionStage<Void> flush(int flags) {
        calls.add("flush");
        return Layer.done();
    }

    @Override
    public synchronized CompletionStage<Void> zero(long offset, long length, int flags) {
        calls.add("zero " + offset + "+" + length);
        java.util.Arrays.fill(memory, (int) offset, (int) (offset + length), (byte) 0);
        return Layer.done();
    }

    /** The write that arrived {@code index}-th lands in memory and is answered. */
    void answer(int index) {
        Write w;
        synchronized (this) {
            w = writes.get(index);
            System.arraycopy(w.data(), 0, memory, (int) w.offset(), w.data().length);
        }
        w.stage().complete(null);
    }

    void fail(int index, NbdError error) {
        Write w;
        synchronized (this) {
            w = writes.get(index);
        }
        w.stage().completeExceptionally(new NbdException(error, "the server said " + error));
    }

    synchronized int writesArrived() {
        return writes.size();
    }
}
