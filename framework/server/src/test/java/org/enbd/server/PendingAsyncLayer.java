package org.enbd.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.enbd.api.layer.Layer;
import org.enbd.api.layer.Capabilities;
import org.enbd.api.layer.Support;

/**
 * A layer whose stages complete later: every call is recorded and left pending until the test completes it, as
 * the client engine's or a file's stages do.
 */
final class PendingAsyncLayer implements Layer {
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
    public CompletionStage<ByteBuf> read(long offset, int length, int flags, ByteBufAllocator alloc) {
        return call("read " + offset + "+" + length);
    }

    @Override
    public CompletionStage<Void> write(long offset, ByteBuf data, int flags) {
        written.add(data.readableBytes());
        return call("write " + offset + "+" + data.readableBytes() + (flags != 0 ? " flags=" + flags : ""));
    }

    @Override
    public CompletionStage<Void> flush(int flags) {
        return call("flush");
    }

    @Override
    public CompletionStage<Void> trim(long offset, long length, int flags) {
        return call("trim " + offset + "+" + length);
    }

    @Override
    public CompletionStage<Void> zero(long offset, long length, int flags) {
        return call("zero " + offset + "+" + length);
    }

    @Override
    public CompletionStage<Void> cache(long offset, long length, int flags) {
        return call("cache " + offset + "+" + length);
    }
}
