package org.enbd.protocol;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.enbd.protocol.handshake.ClientHandshakeDecoder;
import org.enbd.protocol.handshake.HandshakeMessage;
import org.junit.jupiter.api.extension.ExtendWith;

/** What a server may send in the handshake, as the client decodes it: replies within the limit, nothing leaked. */
@ExtendWith(LeakCheck.class)
class ClientHandshakeDecoderFuzzTest {
    private static final int MAX_REPLY = 4096 + 64;

    @FuzzTest(maxDuration = "30s")
    void decode(FuzzedDataProvider data) {
        ClientHandshakeDecoder decoder = new ClientHandshakeDecoder(MAX_REPLY);
        boolean exportName = data.consumeBoolean();
        boolean zeroes = data.consumeBoolean();
        boolean[] greeted = {false};
        DecoderHarness.run(data, decoder, message -> {
            if (message instanceof HandshakeMessage.ServerGreeting) {
                greeted[0] = true;
            } else if (message instanceof HandshakeMessage.OptionReply r) {
                assertTrue(greeted[0]);
                assertTrue(r.data() == null || r.data().readableBytes() <= MAX_REPLY);
            }
        }, channel -> {
            if (exportName && greeted[0]) {
                try {
                    decoder.expectExportNameReply(zeroes);
                } catch (IllegalStateException notNow) {
                    // only between replies: the client asks for it after sending NBD_OPT_EXPORT_NAME
                }
            }
        });
    }
}
