package org.enbd.protocol.handshake;

import static org.enbd.protocol.CodecFixture.buf;
import static org.enbd.protocol.CodecFixture.encode;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.enbd.protocol.NbdMagic;
import org.enbd.protocol.OptionReplyType;
import org.enbd.protocol.OptionType;
import org.enbd.protocol.handshake.HandshakeMessage.ExportNameReply;
import org.enbd.protocol.handshake.HandshakeMessage.OptionReply;
import org.enbd.protocol.handshake.HandshakeMessage.ServerGreeting;
import org.junit.jupiter.api.Test;
import org.enbd.protocol.LeakCheck;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LeakCheck.class)
class HandshakeEncoderTest {

    @Test
    void greeting() {
        byte[] expected = ByteBufUtil.getBytes(Unpooled.buffer().writeBytes("NBDMAGICIHAVEOPT".getBytes())
                .writeShort(3));
        assertArrayEquals(expected, encode(new HandshakeEncoder(), new ServerGreeting(3)));
    }

    @Test
    void optionReplyWithAndWithoutData() {
        ByteBuf data = buf("hi");
        byte[] expected = ByteBufUtil.getBytes(Unpooled.buffer()
                .writeLong(NbdMagic.OPTION_REPLY).writeInt(3).writeInt(OptionReplyType.ACK.value()).writeInt(0)
                .writeLong(NbdMagic.OPTION_REPLY).writeInt(3).writeInt(OptionReplyType.ERR_UNSUP.value()).writeInt(2)
                .writeBytes("hi".getBytes()));
        assertArrayEquals(expected, encode(new HandshakeEncoder(),
                new OptionReply(3, OptionReplyType.ACK.value(), null),
                new OptionReply(3, OptionReplyType.ERR_UNSUP.value(), data)));
        assertEquals(0, data.refCnt(), "the data buffer was handed over and released");
    }

    @Test
    void exportNameReplyWithZeroes() {
        byte[] b = encode(new HandshakeEncoder(), new ExportNameReply(1L << 40, 0x1ff, true));
        assertEquals(134, b.length);
        ByteBuf in = Unpooled.wrappedBuffer(b);
        assertEquals(1L << 40, in.readLong());
        assertEquals(0x1ff, in.readUnsignedShort());
        assertEquals(124, in.forEachByte(x -> x == 0) == -1 ? 124 : -1);
    }

    @Test
    void exportNameReplyWithoutZeroes() {
        assertEquals(10, encode(new HandshakeEncoder(), new ExportNameReply(512, 1, false)).length);
    }

    @Test
    void optionRequest() {
        byte[] expected = ByteBufUtil.getBytes(Unpooled.buffer().writeLong(NbdMagic.IHAVEOPT)
                .writeInt(OptionType.EXPORT_NAME.value()).writeInt(1).writeByte('x'));
        assertArrayEquals(expected, encode(new HandshakeEncoder(),
                new HandshakeMessage.OptionRequest(OptionType.EXPORT_NAME.value(), buf("x"), false)));
    }
}
