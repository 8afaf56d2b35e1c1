package org.enbd.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.enbd.api.layer.AsyncLayer;
import org.enbd.api.layer.Capabilities;
import org.enbd.api.layer.Support;

/**
 * An {@link AsyncLayer} test double: every asynchronous call is recorded and left pending until the test completes
 * it; the blocking methods fail, so a test notices when the engine took the thread path instead.
 */
final class PendingAsyncLayer implements AsyncLayer {
    /** One call: what was asked, and the stage the test completes. */
    record Call(String what, CompletableFuture<Object> stage) {
    }

    private final long size;
    private final Support fua;
    final Deque<Call> pending = new ArrayDeque<>();
    final List<String> calls = new ArrayList<>();
    /** Bytes of the WRITE payloads, read while each call was pending (the payload is borrowed until then). */
    final List<Integer> written = new ArrayList<>();

    PendingAsyncLayer(long size, Support fua) {
        this.size = size;
        this.fua = fua;
    }

    @SuppressWarnings("unchecked")
    private synchronized <T> CompletionStage<T> call(String what) {
        CompletableFuture<Object> stage = new CompletableFuture<>();
        calls.add(what);
        pending.add(new Call(what, stage));
        return (CompletionStage<T>) (CompletionStage<?>) stage;
    }

    synchronized Call next() {
        return pending.poll();
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public Capabilities capabilities() {
        return Capabilities.builder().writable(true).flush(true).fua(fua).trim(true).multiConn(true).build();
    }

    @Override
    public ByteBuf read(long offset, int length, int flags, ByteBufAllocator alloc) {
        throw new AssertionError("blocking read called on an asynchronous layer");
    }

    @Override
    public void write(long offset, ByteBuf data, int flags) {
        throw new AssertionError("blocking write called on an asynchronous layer");
    }

    @Override
    public void flush(int flags) {
        throw new AssertionError("blocking flush called on an asynchronous layer");
    }

    @Override
    public CompletionStage<ByteBuf> readAsync(long offset, int length, int flags, ByteBufAllocator alloc) {
        return call("read " + offset + "+" + length);
    }

    @Override
    public CompletionStage<Void> writeAsync(long offset, ByteBuf data, int flags) {
        written.add(data.readableBytes());
        return call("write " + offset + "+" + data.readableBytes() + (flags != 0 ? " flags=" + flags : ""));
    }

    @Override
    public CompletionStage<Void> flushAsync(int flags) {
        return call("flush");
    }

    @Override
    public CompletionStage<Void> trimAsync(long offset, long length, int flags) {
        return call("trim " + offset + "+" + length);
    }

    @Override
    public CompletionStage<Void> zeroAsync(long offset, long length, int flags) {
        return call("zero " + offset + "+" + length);
    }

    @Override
    public CompletionStage<Void> cacheAsync(long offset, long length, int flags) {
        return call("cache " + offset + "+" + length);
    }
}
