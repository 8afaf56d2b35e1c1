package org.enbd.protocol;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Any bytes a server may send in transmission, as the client decodes them (simple, structured and extended
 * replies): no payload over the limit, block status bounded by it too, only documented exceptions, no leak.
 */
@ExtendWith(LeakCheck.class)
class ReplyDecoderFuzzTest {
    private static final int MAX_PAYLOAD = 64 * 1024 + 4160;

    @FuzzTest(maxDuration = "30s")
    void decode(FuzzedDataProvider data) {
        int readLength = data.consumeInt(0, 64 * 1024);
        long readCookie = data.consumeLong();
        ReplyDecoder decoder = new ReplyDecoder(cookie -> cookie == readCookie ? readLength : 0, MAX_PAYLOAD);
        DecoderHarness.run(data, decoder, message -> {
            Reply reply = (Reply) message;
            assertTrue(reply.payload() == null || reply.payload().readableBytes() <= MAX_PAYLOAD);
            if (reply instanceof ReplyChunk.BlockStatus b) {
                assertTrue(b.extents().size() <= MAX_PAYLOAD / 8, "descriptors bounded by the payload limit");
            }
            if (reply instanceof ReplyChunk.Hole h) {
                assertTrue(h.length() >= 0, "a hole's length is unsigned 32 bits: " + h.length());
            }
        });
    }
}
