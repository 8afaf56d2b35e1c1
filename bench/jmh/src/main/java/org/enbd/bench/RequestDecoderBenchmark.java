package org.enbd.bench;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.concurrent.TimeUnit;
import org.enbd.protocol.Request;
import org.enbd.protocol.RequestDecoder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The server's {@link RequestDecoder} in an EmbeddedChannel: READ headers in a batch (as a pipelining client
 * sends them) and single WRITEs with their payload. Scores are requests per second.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class RequestDecoderBenchmark {
    static final int BATCH = 64;
    static final int MAX_PAYLOAD = 32 << 20;

    /** One decoder per thread, as one connection has one. */
    @State(Scope.Thread)
    public static class Decoder {
        EmbeddedChannel channel;

        @Setup(Level.Trial)
        public void open() {
            channel = new EmbeddedChannel(new RequestDecoder(MAX_PAYLOAD, false));
        }

        @TearDown(Level.Trial)
        public void close() {
            channel.finishAndReleaseAll();
        }

        /** Feeds the bytes (a retained view, so the frame is reused) and releases every request decoded. */
        long feed(ByteBuf frames) {
            channel.writeInbound(frames.retainedDuplicate());
            long total = 0;
            for (Request r; (r = channel.readInbound()) != null; ) {
                total += r.length();
                r.release();
            }
            return total;
        }
    }

    @State(Scope.Thread)
    public static class ReadHeaders {
        ByteBuf frames;

        @Setup(Level.Trial)
        public void build() {
            frames = RequestFrames.reads(BATCH, 4096);
        }

        @TearDown(Level.Trial)
        public void release() {
            frames.release();
        }
    }

    @State(Scope.Thread)
    public static class Writes {
        @Param({"4096", "1048576"})
        public int payload;
        ByteBuf frame;

        @Setup(Level.Trial)
        public void build() {
            frame = RequestFrames.write(payload);
        }

        @TearDown(Level.Trial)
        public void release() {
            frame.release();
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long readHeaders(Decoder decoder, ReadHeaders reads) {
        return decoder.feed(reads.frames);
    }

    @Benchmark
    public long writeRequest(Decoder decoder, Writes writes) {
        return decoder.feed(writes.frame);
    }
}
