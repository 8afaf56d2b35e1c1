package org.enbd.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The server's request decoder against any bytes, compact or extended headers, with an admission that refuses
 * now and then: only documented exceptions, no payload over the limit in memory, nothing leaked. Regression
 * mode replays the corpus under src/test/resources; JAZZER_FUZZ=1 fuzzes (see the protocol README).
 */
@ExtendWith(LeakCheck.class)
class RequestDecoderFuzzTest {
    private static final int MAX_PAYLOAD = 64 * 1024;

    @FuzzTest(maxDuration = "30s")
    void decode(FuzzedDataProvider data) {
        RequestDecoder decoder = new RequestDecoder(MAX_PAYLOAD, data.consumeBoolean());
        decoder.setEnbd(data.consumeBoolean());
        int refuseEvery = data.consumeInt(0, 8);
        int[] asked = {0};
        int[] admitted = {0};
        int[] decoded = {0};
        decoder.setAdmission((type, length, payload) -> {
            assertTrue(payload >= 0 && payload <= MAX_PAYLOAD, "payload in memory within the limit: " + payload);
            // a refusal holds the decoder until the harness resumes it after this piece
            boolean admit = refuseEvery == 0 || ++asked[0] % refuseEvery != 0;
            admitted[0] += admit ? 1 : 0;
            return admit;
        });
        DecoderHarness.run(data, decoder, message -> {
            Request request = (Request) message;
            if (request.payload() != null) {
                assertTrue(request.payload().readableBytes() <= MAX_PAYLOAD);
                assertEquals(request.length(), request.payload().readableBytes(), "a payload is the request's length");
            }
            assertTrue(++decoded[0] <= admitted[0], "every request decoded was admitted first");
        }, channel -> {
            if (decoder.isHeld()) {
                try {
                    decoder.resume(channel.pipeline().firstContext());
                } catch (io.netty.handler.codec.DecoderException e) {
                    throw e;
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }
        });
    }
}
