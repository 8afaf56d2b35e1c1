package org.enbd.itest.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.enbd.api.NbdException;
import org.enbd.api.layer.Capabilities;
import org.enbd.api.layer.ForwardingLayer;
import org.enbd.api.layer.Layer;
import org.enbd.api.layer.RequestFlags;
import org.enbd.api.layer.Support;

/**
 * A write-back cache in the server's memory, like a disk's volatile cache: writes are acknowledged at once and
 * reach the layer below only on FLUSH, so a server killed before a flush loses them. For testing that the client
 * replays what was acknowledged but not flushed. Flushes run one after another; an entry leaves the cache only
 * once the layer below has it, so reads always see the newest bytes.
 */
final class VolatileCache extends ForwardingLayer {
    private record Pending(long offset, byte[] data) {
    }

    private final List<Pending> pending = new ArrayList<>();
    /** The last flush started: the next one begins after it. */
    private CompletableFuture<Void> flushes = CompletableFuture.completedFuture(null);

    VolatileCache(Layer next) {
        super(next);
    }

    @Override
    public Capabilities capabilities() throws NbdException {
        return next.capabilities().toBuilder().flush(true).fua(Support.EMULATE).zero(Support.EMULATE)
                .fastZero(false).trim(false).multiConn(true).build();
    }

    @Override
    public CompletionStage<ByteBuf> read(long offset, int length, int flags, ByteBufAllocator alloc) {
        return next.read(offset, length, flags, alloc).thenApply(out -> {
            synchronized (pending) {
                for (Pending p : pending) {
                    long from = Math.max(offset, p.offset);
                    long to = Math.min(offset + length, p.offset + p.data.length);
                    if (from < to) {
                        out.setBytes(out.readerIndex() + (int) (from - offset), p.data, (int) (from - p.offset),
                                (int) (to - from));
                    }
                }
            }
            return out;
        });
    }

    @Override
    public CompletionStage<Void> write(long offset, ByteBuf data, int flags) {
        byte[] copy = new byte[data.readableBytes()];
        data.getBytes(data.readerIndex(), copy);
        synchronized (pending) {
            pending.add(new Pending(offset, copy));
        }
        return RequestFlags.has(flags, RequestFlags.FUA) ? flush(0) : Layer.done();
    }

    @Override
    public CompletionStage<Void> flush(int flags) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        synchronized (pending) {
            CompletableFuture<Void> before = flushes;
            flushes = done;
            before.whenComplete((v, e) -> writeBack(flags, done));
        }
        return done;
    }

    /** Writes what is cached now, in order, then flushes below; the entries leave the cache once written. */
    private void writeBack(int flags, CompletableFuture<Void> done) {
        List<Pending> batch;
        synchronized (pending) {
            batch = List.copyOf(pending);
        }
        CompletionStage<Void> chain = Layer.done();
        for (Pending p : batch) {
            chain = chain.thenCompose(v -> next.write(p.offset, Unpooled.wrappedBuffer(p.data), 0));
        }
        chain.thenRun(() -> {
            synchronized (pending) {
                pending.subList(0, batch.size()).clear();
            }
        }).thenCompose(v -> next.flush(flags)).whenComplete((v, e) -> {
            if (e != null) {
                done.completeExceptionally(e);
            } else {
                done.complete(null);
            }
        });
    }
}
