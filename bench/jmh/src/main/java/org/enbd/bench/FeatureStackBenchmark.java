package org.enbd.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.enbd.api.NbdException;
import org.enbd.api.layer.ExportContext;
import org.enbd.api.layer.Layer;
import org.enbd.api.layer.SessionContext;
import org.enbd.backend.memory.internal.MemoryLayer;
import org.enbd.protocol.ReplyFormat;
import org.enbd.server.ExportEventHub;
import org.enbd.server.LayeredExport;
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
 * What a feature costs over the memory backend: one 4 KiB request through the server's whole transmission phase
 * (as {@link RequestPathBenchmark}) with the export's stack {@code none}, a {@code passthrough} feature, or a
 * {@code counting} one. Everything answers in the loop's turn, so the difference is the features' own cost per
 * request: the forwarding calls and the stage each adds.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Thread)
public class FeatureStackBenchmark {
    static final long EXPORT = 64 << 20;

    /** {@code +restack}: the same stack served as the server's export component serves it (RestackableExport). */
    @Param({"none", "passthrough", "counting", "counting+restack"})
    public String stack;
    @Param({"READ", "WRITE"})
    public String command;

    EmbeddedChannel channel;
    org.enbd.api.layer.Export export;
    ByteBuf frame;
    long offset;

    @Setup(Level.Trial)
    public void open() throws NbdException {
        MemoryLayer memory = new MemoryLayer(EXPORT, false);
        ByteBuf block = Unpooled.directBuffer(1 << 20).writeZero(1 << 20).setByte(0, 1);
        for (long at = 0; at < EXPORT; at += block.readableBytes()) {
            memory.write(at, block, 0).toCompletableFuture().join(); // memory answers at once
        }
        block.release();
        boolean restack = stack.endsWith("+restack");
        String features = restack ? stack.substring(0, stack.length() - "+restack".length()) : stack;
        export = restack
                ? new org.enbd.server.RestackableExport(new ExportContext("", false, Map.of()), "", memory,
                        BenchFeatures.stack(features), new ExportEventHub("bench"))
                : new LayeredExport(new ExportContext("", false, Map.of()), "", memory,
                        BenchFeatures.stack(features), new ExportEventHub("bench"));
        Layer layer = export.open(SessionContext.plain(export.context(), "bench"));
        channel = new EmbeddedChannel();
        TransmissionPhase.install(channel, layer, layer.capabilities(), layer.size(), ReplyFormat.STRUCTURED,
                ServerLimits.DEFAULT);
        frame = command.equals("READ") ? RequestFrames.read(4096) : RequestFrames.write(4096);
    }

    @TearDown(Level.Trial)
    public void close() {
        channel.finishAndReleaseAll();
        try {
            ((AutoCloseable) export).close();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        frame.release();
    }

    @Benchmark
    public long request() {
        frame.setLong(RequestFrames.OFFSET_FIELD, offset);
        offset = (offset + 4096) % EXPORT;
        channel.writeInbound(frame.retainedDuplicate());
        return Outbound.drain(channel);
    }
}
