package org.enbd.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.concurrent.TimeUnit;
import org.enbd.api.NbdException;
import org.enbd.backend.memory.internal.MemoryLayer;
import org.enbd.protocol.ReplyFormat;
import org.enbd.server.ServerLimits;
import org.enbd.server.TransmissionPhase;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One request through the server's whole transmission phase with no network: request bytes in, decoder,
 * request check, dispatcher, memory backend (called inline on the event loop, as in the server), reply encoder,
 * flush consolidation, reply bytes out. Offsets walk the export, so every page is touched. Scores are requests
 * per second; the gap to the network figures of bench/run is what sockets and the client cost.
 *
 * <p>{@code segment} 0 hands the decoder each request in one buffer; 65536 hands it in 64 KiB pieces, as socket
 * reads deliver a 1 MiB WRITE, so the decoder's cumulation of a large payload is measured too.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Thread)
public class RequestPathBenchmark {
    static final long EXPORT = 64 << 20;

    @Param({"READ", "WRITE"})
    public String command;
    @Param({"4096", "1048576"})
    public int size;
    @Param({"STRUCTURED"})
    public ReplyFormat format;
    @Param({"0", "65536"})
    public int segment;

    EmbeddedChannel channel;
    ByteBuf frame;
    long offset;

    @Setup(Level.Trial)
    public void open() throws NbdException {
        MemoryLayer layer = new MemoryLayer(EXPORT, false);
        fill(layer);
        channel = new EmbeddedChannel();
        TransmissionPhase.install(channel, layer, layer.capabilities(), layer.size(), format, ServerLimits.DEFAULT);
        frame = command.equals("READ") ? RequestFrames.read(size) : RequestFrames.write(size);
    }

    /** Every page allocated, so reads measure data, not the shared zero page. */
    private static void fill(MemoryLayer layer) throws NbdException {
        ByteBuf block = Unpooled.directBuffer(1 << 20).writeZero(1 << 20).setByte(0, 1);
        try {
            for (long at = 0; at < EXPORT; at += block.readableBytes()) {
                layer.write(at, block, 0).toCompletableFuture().join(); // memory answers at once
            }
        } finally {
            block.release();
        }
    }

    @TearDown(Level.Trial)
    public void close() {
        channel.finishAndReleaseAll();
        frame.release();
    }

    @Benchmark
    public long request() {
        frame.setLong(RequestFrames.OFFSET_FIELD, offset);
        offset = (offset + size) % EXPORT;
        if (segment == 0 || frame.readableBytes() <= segment) {
            channel.writeInbound(frame.retainedDuplicate());
        } else {
            Object[] pieces = new Object[(frame.readableBytes() + segment - 1) / segment];
            for (int i = 0; i < pieces.length; i++) {
                int at = i * segment;
                pieces[i] = frame.retainedSlice(at, Math.min(segment, frame.readableBytes() - at));
            }
            channel.writeInbound(pieces);
        }
        return Outbound.drain(channel);
    }
}
