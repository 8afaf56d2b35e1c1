package org.enbd.protocol.handshake;

import static org.enbd.protocol.CodecFixture.assertDecodeFails;
import static org.enbd.protocol.CodecFixture.assertDecodes;
import static org.enbd.protocol.CodecFixture.buf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.List;
import org.enbd.protocol.CodecFixture;
import org.enbd.protocol.HandshakeFlags;
import org.enbd.protocol.NbdMagic;
import org.enbd.protocol.OptionType;
import org.enbd.protocol.handshake.HandshakeMessage.ClientFlags;
import org.enbd.protocol.handshake.HandshakeMessage.OptionRequest;
import org.junit.jupiter.api.Test;
import org.enbd.protocol.LeakCheck;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LeakCheck.class)
class ServerHandshakeDecoderTest {

    private static byte[] option(long magic, int option, byte[] data) {
        ByteBuf b = Unpooled.buffer().writeLong(magic).writeInt(option).writeInt(data.length).writeBytes(data);
        return ByteBufUtil.getBytes(b);
    }

    private static byte[] flags(int flags) {
        return ByteBufUtil.getBytes(Unpooled.buffer().writeInt(flags));
    }

    @Test
    void clientFlagsThenOptions() {
        byte[] input = CodecFixture.concat(flags(HandshakeFlags.FIXED_NEWSTYLE | HandshakeFlags.NO_ZEROES),
                option(NbdMagic.IHAVEOPT, OptionType.STRUCTURED_REPLY.value(), new byte[0]),
                option(NbdMagic.IHAVEOPT, OptionType.EXPORT_NAME.value(), "disk".getBytes()));
        assertDecodes(ServerHandshakeDecoder::new, input, List.of(
                new ClientFlags(3),
                new OptionRequest(OptionType.STRUCTURED_REPLY.value(), Unpooled.EMPTY_BUFFER, false),
                new OptionRequest(OptionType.EXPORT_NAME.value(), buf("disk"), false)));
    }

    @Test
    void unknownOptionPassesThroughWithItsNumber() {
        byte[] input = CodecFixture.concat(flags(1), option(NbdMagic.IHAVEOPT, 0x7777, new byte[] {1, 2}));
        assertDecodes(ServerHandshakeDecoder::new, input, List.of(new ClientFlags(1),
                new OptionRequest(0x7777, Unpooled.wrappedBuffer(new byte[] {1, 2}), false)));
    }

    @Test
    void optionLargerThanLimitIsSkippedAndMarkedTooBig() {
        byte[] big = new byte[40];
        byte[] input = CodecFixture.concat(flags(1), option(NbdMagic.IHAVEOPT, OptionType.GO.value(), big),
                option(NbdMagic.IHAVEOPT, OptionType.LIST.value(), new byte[0]));
        assertDecodes(() -> new ServerHandshakeDecoder(39), input, List.of(new ClientFlags(1),
                new OptionRequest(OptionType.GO.value(), null, true),
                new OptionRequest(OptionType.LIST.value(), Unpooled.EMPTY_BUFFER, false)));
    }

    @Test
    void optionAtTheLimitIsRead() {
        byte[] data = new byte[39];
        data[38] = 9;
        byte[] input = CodecFixture.concat(flags(1), option(NbdMagic.IHAVEOPT, OptionType.GO.value(), data));
        assertDecodes(() -> new ServerHandshakeDecoder(39), input, List.of(new ClientFlags(1),
                new OptionRequest(OptionType.GO.value(), Unpooled.wrappedBuffer(data), false)));
    }

    @Test
    void hugeOptionLengthIsDiscardedWithoutAllocating() {
        // a 4 GiB - 1 length: the decoder must neither allocate it nor wait for it before skipping
        EmbeddedChannel ch = new EmbeddedChannel(new ServerHandshakeDecoder());
        ch.writeInbound(Unpooled.buffer().writeInt(1).writeLong(NbdMagic.IHAVEOPT).writeInt(7).writeInt(-1)
                .writeZero(1000));
        assertEquals(new ClientFlags(1), ch.readInbound());
        assertNull(ch.readInbound());
        CodecFixture.releaseAndCheck(ch, List.of());
    }

    @Test
    void wrongOptionMagicFails() {
        byte[] input = CodecFixture.concat(flags(1), option(0x1122334455667788L, 1, new byte[0]), new byte[] {1, 2});
        assertDecodeFails(ServerHandshakeDecoder::new, input, "IHAVEOPT");
    }

    @Test
    void truncatedOptionYieldsNothing() {
        byte[] full = CodecFixture.concat(flags(1), option(NbdMagic.IHAVEOPT, 1, "abc".getBytes()));
        for (int cut = 5; cut < full.length; cut++) {
            EmbeddedChannel ch = new EmbeddedChannel(new ServerHandshakeDecoder());
            ch.writeInbound(Unpooled.wrappedBuffer(full, 0, cut));
            assertEquals(new ClientFlags(1), ch.readInbound());
            assertNull(ch.readInbound(), "no option from " + cut + " bytes");
            CodecFixture.releaseAndCheck(ch, List.of());
        }
    }

    @Test
    void bytesAfterRemovalGoToTheNextHandler() {
        // the server swaps the handshake decoder for the transmission codec when GO succeeds
        EmbeddedChannel ch = new EmbeddedChannel(new ServerHandshakeDecoder());
        ch.writeInbound(Unpooled.buffer().writeInt(1).writeBytes(option(NbdMagic.IHAVEOPT, 7, new byte[0])));
        assertEquals(new ClientFlags(1), ch.readInbound());
        OptionRequest go = ch.readInbound();
        assertEquals(7, go.option());
        ch.pipeline().removeFirst();
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {0x25, 0x60}));
        ByteBuf rest = ch.readInbound();
        assertEquals(2, rest.readableBytes());
        assertTrue(rest.release());
        CodecFixture.releaseAndCheck(ch, List.of(go));
    }
}
