package org.enbd.feature.stats.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.enbd.api.layer.ExtentSink;
import org.enbd.api.layer.ForwardingLayer;
import org.enbd.api.layer.Layer;
import org.enbd.feature.stats.StatsControl;

/**
 * One connection's view through the stats feature: every request is passed on unchanged and counted, once it
 * finishes, in the connection's and the export's {@link Counters}. A request whose stage is already complete
 * (a memory backend, a cached read) is counted at once and its stage returned as it is, so the common case costs
 * two clock reads and no allocation; otherwise the stage returned is the one that completes after counting, so a
 * client that got its reply finds the request counted. STATS_QUERY is answered here and not counted, so reading
 * the counters does not change them; the asking connection is left out of the connections the answer lists.
 */
final class StatsLayer extends ForwardingLayer {
    private final ExportStats export;
    private final ExportStats.Connection connection;

    StatsLayer(Layer next, ExportStats export, ExportStats.Connection connection) {
        super(next);
        this.export = export;
        this.connection = connection;
    }

    @Override
    public CompletionStage<ByteBuf> read(long offset, int length, int flags, ByteBufAllocator alloc) {
        long start = System.nanoTime();
        return counted(Command.READ, length, start, next.read(offset, length, flags, alloc));
    }

    @Override
    public CompletionStage<Void> write(long offset, ByteBuf data, int flags) {
        long start = System.nanoTime();
        return counted(Command.WRITE, data.readableBytes(), start, next.write(offset, data, flags));
    }

    @Override
    public CompletionStage<Void> flush(int flags) {
        long start = System.nanoTime();
        return counted(Command.FLUSH, 0, start, next.flush(flags));
    }

    @Override
    public CompletionStage<Void> trim(long offset, long length, int flags) {
        long start = System.nanoTime();
        return counted(Command.TRIM, length, start, next.trim(offset, length, flags));
    }

    @Override
    public CompletionStage<Void> zero(long offset, long length, int flags) {
        long start = System.nanoTime();
        return counted(Command.ZERO, length, start, next.zero(offset, length, flags));
    }

    @Override
    public CompletionStage<Void> extents(long offset, long length, int flags, ExtentSink sink) {
        long start = System.nanoTime();
        return counted(Command.EXTENTS, length, start, next.extents(offset, length, flags, sink));
    }

    @Override
    public CompletionStage<Void> cache(long offset, long length, int flags) {
        long start = System.nanoTime();
        return counted(Command.CACHE, length, start, next.cache(offset, length, flags));
    }

    @Override
    public CompletionStage<ByteBuf> control(int type, ByteBuf data, ByteBufAllocator alloc) {
        if (type == StatsControl.QUERY) {
            byte[] json = export.json(connection).getBytes(StandardCharsets.UTF_8);
            return CompletableFuture.completedFuture(alloc.buffer(json.length).writeBytes(json));
        }
        long start = System.nanoTime();
        return counted(Command.CONTROL, data.readableBytes(), start, next.control(type, data, alloc));
    }

    /** Ends this connection's counting; the export keeps what it counted. */
    @Override
    public void close() {
        export.closed(connection);
    }

    private <T> CompletionStage<T> counted(Command command, long bytes, long start, CompletionStage<T> stage) {
        if (stage instanceof CompletableFuture<T> done && done.isDone()) {
            record(command, bytes, start, switch (done.state()) {
                case SUCCESS, RUNNING -> null;
                case FAILED -> done.exceptionNow();
                case CANCELLED -> new CancellationException();
            });
            return stage;
        }
        return stage.whenComplete((value, failure) -> record(command, bytes, start, failure));
    }

    private void record(Command command, long bytes, long start, Throwable failure) {
        long micros = (System.nanoTime() - start) / 1_000;
        ErrorClass error = failure == null ? null : ErrorClass.of(failure);
        connection.counters().record(command, bytes, micros, error);
        export.counters().record(command, bytes, micros, error);
    }
}
