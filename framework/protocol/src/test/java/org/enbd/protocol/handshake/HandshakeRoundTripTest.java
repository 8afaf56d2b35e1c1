package org.enbd.protocol.handshake;

import static org.enbd.protocol.CodecFixture.assertDecodes;
import static org.enbd.protocol.CodecFixture.buf;
import static org.enbd.protocol.CodecFixture.encode;

import io.netty.buffer.ByteBufAllocator;
import java.util.List;
import java.util.function.Supplier;
import org.enbd.protocol.InfoType;
import org.enbd.protocol.OptionReplyType;
import org.enbd.protocol.OptionType;
import org.enbd.protocol.handshake.HandshakeMessage.ClientFlags;
import org.enbd.protocol.handshake.HandshakeMessage.OptionReply;
import org.enbd.protocol.handshake.HandshakeMessage.OptionRequest;
import org.enbd.protocol.handshake.HandshakeMessage.ServerGreeting;
import org.junit.jupiter.api.Test;
import org.enbd.protocol.LeakCheck;
import org.junit.jupiter.api.extension.ExtendWith;

/** Every handshake message through {@link HandshakeEncoder} and back through the other side's decoder. */
@ExtendWith(LeakCheck.class)
class HandshakeRoundTripTest {
    private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;

    private static void roundTrip(Supplier<io.netty.channel.ChannelHandler> decoder,
            Supplier<List<HandshakeMessage>> messages) {
        byte[] wire = encode(new HandshakeEncoder(), messages.get().toArray());
        List<HandshakeMessage> expected = messages.get();
        try {
            assertDecodes(decoder, wire, expected);
        } finally {
            expected.forEach(HandshakeMessage::release);
        }
    }

    @Test
    void clientToServer() {
        roundTrip(ServerHandshakeDecoder::new, () -> List.of(new ClientFlags(3),
                ExportRequest.of("disk", InfoType.BLOCK_SIZE).request(OptionType.GO, ALLOC),
                new MetaContextRequest("disk", List.of("base:allocation")).request(OptionType.SET_META_CONTEXT,
                        ALLOC),
                new OptionRequest(OptionType.EXPORT_NAME.value(), buf("x"), false)));
    }

    @Test
    void serverToClient() {
        roundTrip(ClientHandshakeDecoder::new, () -> List.of(new ServerGreeting(3),
                new ExportListEntry("a", "first").reply(ALLOC),
                new InfoReply.Export(1 << 20, 0x4d).reply(OptionType.GO.value(), ALLOC),
                new InfoReply.BlockSize(1, 4096, 1 << 25).reply(OptionType.GO.value(), ALLOC),
                new MetaContextReply(1, "base:allocation").reply(OptionType.SET_META_CONTEXT.value(), ALLOC),
                new OptionReply(OptionType.GO.value(), OptionReplyType.ACK.value(), null)));
    }
}
