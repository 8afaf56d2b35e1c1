package org.enbd.protocol.handshake;

import static org.enbd.protocol.CodecFixture.assertDecodeFails;
import static org.enbd.protocol.CodecFixture.assertDecodes;
import static org.enbd.protocol.CodecFixture.buf;
import static org.enbd.protocol.CodecFixture.concat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import org.enbd.protocol.CodecFixture;
import org.enbd.protocol.NbdMagic;
import org.enbd.protocol.OptionReplyType;
import org.enbd.protocol.handshake.HandshakeMessage.ExportNameReply;
import org.enbd.protocol.handshake.HandshakeMessage.OptionReply;
import org.enbd.protocol.handshake.HandshakeMessage.ServerGreeting;
import org.junit.jupiter.api.Test;
import org.enbd.protocol.LeakCheck;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LeakCheck.class)
class ClientHandshakeDecoderTest {

    static byte[] greeting(long second, int flags) {
        return ByteBufUtil.getBytes(Unpooled.buffer().writeLong(NbdMagic.NBDMAGIC).writeLong(second).writeShort(flags));
    }

    static byte[] reply(long magic, int option, int type, byte[] data) {
        return ByteBufUtil.getBytes(Unpooled.buffer().writeLong(magic).writeInt(option).writeInt(type)
                .writeInt(data.length).writeBytes(data));
    }

    @Test
    void greetingThenReplies() {
        byte[] input = concat(greeting(NbdMagic.IHAVEOPT, 3),
                reply(NbdMagic.OPTION_REPLY, 8, OptionReplyType.ACK.value(), new byte[0]),
                reply(NbdMagic.OPTION_REPLY, 3, OptionReplyType.SERVER.value(), new byte[] {0, 0, 0, 1, 'a'}),
                reply(NbdMagic.OPTION_REPLY, 99, OptionReplyType.ERR_UNSUP.value(), "no".getBytes()));
        assertDecodes(ClientHandshakeDecoder::new, input, List.of(new ServerGreeting(3),
                new OptionReply(8, OptionReplyType.ACK.value(), null),
                new OptionReply(3, OptionReplyType.SERVER.value(), Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 1, 'a'})),
                new OptionReply(99, OptionReplyType.ERR_UNSUP.value(), buf("no"))));
    }

    @Test
    void unknownReplyTypePassesThrough() {
        byte[] input = concat(greeting(NbdMagic.IHAVEOPT, 1), reply(NbdMagic.OPTION_REPLY, 7, 0x80000077, new byte[0]));
        assertDecodes(ClientHandshakeDecoder::new, input,
                List.of(new ServerGreeting(1), new OptionReply(7, 0x80000077, null)));
    }

    @Test
    void oldstyleServerIsRefused() {
        assertDecodeFails(ClientHandshakeDecoder::new, concat(greeting(NbdMagic.CLISERV, 0), new byte[10]), "oldstyle");
    }

    @Test
    void notAnNbdServer() {
        assertDecodeFails(ClientHandshakeDecoder::new, "SSH-2.0-OpenSSH_9.2p1 Debian\r\n".getBytes(), "not an NBD server");
    }

    @Test
    void unknownSecondMagic() {
        assertDecodeFails(ClientHandshakeDecoder::new, greeting(0x1234, 0), "unknown handshake magic");
    }

    @Test
    void badReplyMagic() {
        assertDecodeFails(ClientHandshakeDecoder::new, concat(greeting(NbdMagic.IHAVEOPT, 1),
                reply(NbdMagic.IHAVEOPT, 1, 1, new byte[0])), "bad magic");
    }

    @Test
    void replyLongerThanLimit() {
        assertDecodeFails(() -> new ClientHandshakeDecoder(3), concat(greeting(NbdMagic.IHAVEOPT, 1),
                reply(NbdMagic.OPTION_REPLY, 1, 2, new byte[4])), "exceeds the limit of 3");
    }

    @Test
    void truncatedReplyYieldsNothingMore() {
        byte[] full = concat(greeting(NbdMagic.IHAVEOPT, 1), reply(NbdMagic.OPTION_REPLY, 1, 2, new byte[4]));
        for (int cut = 18; cut < full.length; cut++) {
            EmbeddedChannel ch = new EmbeddedChannel(new ClientHandshakeDecoder());
            ch.writeInbound(Unpooled.wrappedBuffer(full, 0, cut));
            assertEquals(new ServerGreeting(1), ch.readInbound());
            assertNull(ch.readInbound());
            CodecFixture.releaseAndCheck(ch, List.of());
        }
    }

    private static void assertExportNameReply(boolean zeroes, byte[] replyBytes, ExportNameReply expected) {
        byte[] after = {0x67, 0x44};
        byte[] input = concat(replyBytes, after);
        for (List<byte[]> pieces : CodecFixture.splits(input)) {
            ClientHandshakeDecoder decoder = new ClientHandshakeDecoder();
            EmbeddedChannel ch = new EmbeddedChannel(decoder);
            ch.writeInbound(Unpooled.wrappedBuffer(greeting(NbdMagic.IHAVEOPT, 3)));
            assertEquals(new ServerGreeting(3), ch.readInbound());
            decoder.expectExportNameReply(zeroes);
            List<Object> got = new ArrayList<>();
            for (byte[] p : pieces) {
                ch.writeInbound(Unpooled.wrappedBuffer(p));
                got.addAll(CodecFixture.readAllInbound(ch));
            }
            assertEquals(List.of(expected), got);
            // the transmission decoder that replaces this one gets the bytes after the reply
            ch.pipeline().removeFirst();
            ByteBuf rest = ch.readInbound();
            assertEquals(Unpooled.wrappedBuffer(after), rest);
            assertTrue(rest.release());
            CodecFixture.releaseAndCheck(ch, got);
        }
    }

    @Test
    void exportNameReplyWithZeroes() {
        byte[] bytes = ByteBufUtil.getBytes(Unpooled.buffer().writeLong(1L << 30).writeShort(0x43).writeZero(124));
        assertExportNameReply(true, bytes, new ExportNameReply(1L << 30, 0x43, true));
    }

    @Test
    void exportNameReplyWithoutZeroes() {
        byte[] bytes = ByteBufUtil.getBytes(Unpooled.buffer().writeLong(-1L).writeShort(0xffff));
        assertExportNameReply(false, bytes, new ExportNameReply(-1L, 0xffff, false));
    }

    @Test
    void exportNameReplyCannotBeExpectedBeforeTheGreeting() {
        assertThrows(IllegalStateException.class, () -> new ClientHandshakeDecoder().expectExportNameReply(true));
    }
}
