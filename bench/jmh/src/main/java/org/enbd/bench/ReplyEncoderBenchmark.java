package org.enbd.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.concurrent.TimeUnit;
import org.enbd.protocol.Reply;
import org.enbd.protocol.ReplyChunk;
import org.enbd.protocol.ReplyEncoder;
import org.enbd.protocol.ReplyFormat;
import org.enbd.protocol.SimpleReply;
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
 * The server's {@link ReplyEncoder} in an EmbeddedChannel: a write acknowledgement (data 0) and READ replies of
 * 4 KiB and 1 MiB, as a simple reply or as one OFFSET_DATA chunk. Scores are replies per second; the data is
 * never copied by the encoder, so 1 MiB should cost about what 4 KiB does.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Thread)
public class ReplyEncoderBenchmark {
    @Param({"SIMPLE", "STRUCTURED"})
    public ReplyFormat format;
    @Param({"0", "4096", "1048576"})
    public int data;

    EmbeddedChannel channel;
    ByteBuf payload;

    @Setup(Level.Trial)
    public void open() {
        channel = new EmbeddedChannel(new ReplyEncoder(format));
        payload = Unpooled.directBuffer(Math.max(1, data)).writeZero(data);
    }

    @TearDown(Level.Trial)
    public void close() {
        channel.finishAndReleaseAll();
        payload.release();
    }

    /** The reply a READ (or, with no data, a WRITE) gets in this format; it carries its own reference. */
    Reply reply() {
        if (data == 0) {
            return new SimpleReply(42, 0, null);
        }
        ByteBuf d = payload.retainedDuplicate();
        return format == ReplyFormat.SIMPLE ? new SimpleReply(42, 0, d) : new ReplyChunk.Data(42, 0, true, 0, d);
    }

    @Benchmark
    public long encode() {
        channel.writeOutbound(reply());
        return Outbound.drain(channel);
    }
}
