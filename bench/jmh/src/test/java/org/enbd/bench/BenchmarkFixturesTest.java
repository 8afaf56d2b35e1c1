package org.enbd.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;
import org.enbd.api.NbdException;
import org.enbd.protocol.NbdMagic;
import org.enbd.protocol.ReplyFormat;
import org.enbd.protocol.ReplyType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Each benchmark does what its name says, once, without JMH: the build checks the fixtures this way and never
 * runs a benchmark. A fixture that decodes nothing or answers with an error would otherwise measure nothing.
 */
class BenchmarkFixturesTest {

    @Test
    void readHeadersDecodesTheWholeBatchAndKeepsTheFrame() {
        var decoder = new RequestDecoderBenchmark.Decoder();
        var reads = new RequestDecoderBenchmark.ReadHeaders();
        decoder.open();
        reads.build();
        assertEquals(RequestDecoderBenchmark.BATCH * 4096L, new RequestDecoderBenchmark().readHeaders(decoder, reads));
        assertEquals(RequestDecoderBenchmark.BATCH * 4096L, new RequestDecoderBenchmark().readHeaders(decoder, reads));
        assertNull(decoder.channel.readInbound());
        assertEquals(1, reads.frames.refCnt(), "each invocation consumes a view, never the frame");
        decoder.close();
        reads.release();
    }

    @ParameterizedTest
    @CsvSource({"4096", "1048576"})
    void writeRequestCarriesItsPayload(int payload) {
        var decoder = new RequestDecoderBenchmark.Decoder();
        var writes = new RequestDecoderBenchmark.Writes();
        writes.payload = payload;
        decoder.open();
        writes.build();
        assertEquals(payload, new RequestDecoderBenchmark().writeRequest(decoder, writes));
        assertEquals(1, writes.frame.refCnt());
        decoder.close();
        writes.release();
    }

    @ParameterizedTest
    @CsvSource({"SIMPLE,0,16", "SIMPLE,4096,4112", "STRUCTURED,0,16", "STRUCTURED,4096,4124",
        "STRUCTURED,1048576,1048604"})
    void encoderWritesHeaderAndData(ReplyFormat format, int data, long bytes) {
        var bench = new ReplyEncoderBenchmark();
        bench.format = format;
        bench.data = data;
        bench.open();
        assertEquals(bytes, bench.encode());
        assertEquals(bytes, bench.encode());
        assertEquals(1, bench.payload.refCnt(), "the encoder releases the reply's reference");
        bench.close();
    }

    @Test
    void readThroughTheRequestPathReturnsTheExportsData() throws NbdException {
        var bench = path("READ", 4096);
        bench.channel.writeInbound(bench.frame.retainedDuplicate());
        List<ByteBuf> seen = new ArrayList<>();
        long bytes = Outbound.drain(bench.channel, b -> {
            if (seen.isEmpty()) {
                assertEquals(NbdMagic.STRUCTURED_REPLY, b.getInt(b.readerIndex()));
                assertEquals(ReplyType.OFFSET_DATA.value(), b.getUnsignedShort(b.readerIndex() + 6));
            } else {
                assertEquals(1, b.getByte(b.readerIndex()), "the first byte of every page was set to 1");
            }
            seen.add(b);
        });
        assertEquals(20 + 8 + 4096, bytes);
        for (int i = 0; i < 100; i++) {
            assertEquals(20 + 8 + 4096, bench.request(), "an error chunk would be shorter");
        }
        bench.close();
    }

    @ParameterizedTest
    @CsvSource({"0", "65536"})
    void writeThroughTheRequestPathIsAcknowledged(int segment) throws NbdException {
        var bench = path("WRITE", 1048576);
        bench.segment = segment;
        bench.channel.writeInbound(bench.frame.retainedDuplicate());
        long bytes = Outbound.drain(bench.channel, b -> {
            assertEquals(NbdMagic.SIMPLE_REPLY, b.getInt(b.readerIndex()));
            assertEquals(0, b.getInt(b.readerIndex() + 4), "NBD error");
        });
        assertEquals(16, bytes);
        for (int i = 0; i < 100; i++) { // walks past the end of the export and wraps
            assertEquals(16, bench.request(), "a 16-byte simple reply is a success; an error is a longer chunk");
        }
        assertEquals(1, bench.frame.refCnt());
        bench.close();
    }

    private static RequestPathBenchmark path(String command, int size) throws NbdException {
        var bench = new RequestPathBenchmark();
        bench.command = command;
        bench.size = size;
        bench.format = ReplyFormat.STRUCTURED;
        bench.open();
        return bench;
    }

    @ParameterizedTest
    @CsvSource({"none,READ", "passthrough,READ", "counting,READ", "none,WRITE", "passthrough,WRITE",
        "counting,WRITE"})
    void aStackedRequestIsAnsweredWithoutError(String stack, String command) throws Exception {
        var bench = new FeatureStackBenchmark();
        bench.stack = stack;
        bench.command = command;
        bench.open();
        long bytes = bench.request();
        // a structured reply: READ carries its 4 KiB after a 20-byte chunk header and 8-byte offset; WRITE is a
        // 16-byte simple reply with error 0 (an error would come as a longer ERROR chunk)
        assertEquals(command.equals("READ") ? 4096 + 28 : 16, bytes);
        bench.close();
    }

    @ParameterizedTest
    @CsvSource({"none,READ", "counting,WRITE"})
    void theEndpointPathAnswersEveryRequest(String stack, String command) throws Exception {
        var bench = new EndpointFeatureBenchmark();
        bench.stack = stack;
        bench.command = command;
        bench.open();
        try {
            assertEquals(EndpointFeatureBenchmark.DEPTH, bench.requests());
            assertEquals(EndpointFeatureBenchmark.DEPTH, bench.requests());
        } finally {
            bench.close();
        }
    }
}
