package org.enbd.protocol;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.enbd.protocol.handshake.HandshakeMessage.ClientFlags;
import org.enbd.protocol.handshake.HandshakeMessage.OptionRequest;
import org.enbd.protocol.handshake.ServerHandshakeDecoder;
import org.junit.jupiter.api.extension.ExtendWith;

/** What a client may send in the handshake, as the server decodes it: options within the limit or marked too big. */
@ExtendWith(LeakCheck.class)
class ServerHandshakeDecoderFuzzTest {
    private static final int MAX_OPTION = 4096 + 8;

    @FuzzTest(maxDuration = "30s")
    void decode(FuzzedDataProvider data) {
        boolean[] flagsSeen = {false};
        DecoderHarness.run(data, new ServerHandshakeDecoder(MAX_OPTION), message -> {
            switch (message) {
                case ClientFlags f -> {
                    assertTrue(!flagsSeen[0], "client flags come once, first");
                    flagsSeen[0] = true;
                }
                case OptionRequest o -> {
                    assertTrue(flagsSeen[0], "options after the flags");
                    assertTrue(o.tooBig() ? o.data() == null : o.data().readableBytes() <= MAX_OPTION);
                }
                default -> throw new AssertionError("unexpected " + message);
            }
        });
    }
}
