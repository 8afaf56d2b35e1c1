package org.enbd.protocol;

import static org.enbd.protocol.CodecFixture.buf;
import static org.enbd.protocol.CodecFixture.encode;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.EncoderException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Byte-exact layouts of the server's replies; round trips through the client's decoder are in ReplyCodecTest. */
@ExtendWith(LeakCheck.class)
class ReplyEncoderTest {

    private static ByteBuf structured(int flags, ReplyType type, long cookie, int length) {
        return Unpooled.buffer().writeInt(NbdMagic.STRUCTURED_REPLY).writeShort(flags).writeShort(type.value())
                .writeLong(cookie).writeInt(length);
    }

    private static ByteBuf extended(int flags, ReplyType type, long cookie, long offset, long length) {
        return Unpooled.buffer().writeInt(NbdMagic.EXTENDED_REPLY).writeShort(flags).writeShort(type.value())
                .writeLong(cookie).writeLong(offset).writeLong(length);
    }

    private static byte[] bytes(ByteBuf b) {
        return ByteBufUtil.getBytes(b);
    }

    @Test
    void simpleReplyWithData() {
        byte[] expected = bytes(Unpooled.buffer().writeInt(NbdMagic.SIMPLE_REPLY).writeInt(0).writeLong(9)
                .writeBytes("abc".getBytes()));
        assertArrayEquals(expected, encode(new ReplyEncoder(ReplyFormat.SIMPLE), new SimpleReply(9, 0, buf("abc"))));
    }

    @Test
    void readDataIsPassedOnUncopied() {
        ByteBuf data = buf("zero-copy");
        EmbeddedChannel ch = new EmbeddedChannel(new ReplyEncoder(ReplyFormat.STRUCTURED));
        ch.writeOutbound(new ReplyChunk.Data(1, 0, true, 0, data));
        ByteBuf header = ch.readOutbound();
        assertEquals(28, header.readableBytes());
        assertSame(data, ch.readOutbound());
        assertEquals(1, data.refCnt());
        assertTrue(header.release());
        assertTrue(data.release());
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void structuredChunks() {
        byte[] expected = bytes(Unpooled.buffer()
                .writeBytes(structured(1, ReplyType.NONE, 1, 0))
                .writeBytes(structured(0, ReplyType.OFFSET_DATA, 2, 10).writeLong(512).writeShort(0x4142))
                .writeBytes(structured(0, ReplyType.OFFSET_HOLE, 3, 12).writeLong(1024).writeInt(4096))
                .writeBytes(structured(1, ReplyType.BLOCK_STATUS, 4, 20).writeInt(1).writeInt(4096).writeInt(3)
                        .writeInt(-1).writeInt(0))
                .writeBytes(structured(1, ReplyType.ERROR, 5, 8).writeInt(5).writeShort(2).writeBytes("io".getBytes()))
                .writeBytes(structured(1, ReplyType.ERROR_OFFSET, 6, 14).writeInt(28).writeShort(0).writeLong(77)));
        assertArrayEquals(expected, encode(new ReplyEncoder(ReplyFormat.STRUCTURED),
                new ReplyChunk.None(1, 0),
                new ReplyChunk.Data(2, 0, false, 512, buf("AB")),
                new ReplyChunk.Hole(3, 0, false, 1024, 4096),
                new ReplyChunk.BlockStatus(4, 0, true, 1,
                        List.of(new ReplyChunk.Extent(4096, 3), new ReplyChunk.Extent(0xffffffffL, 0))),
                new ReplyChunk.Error(5, 0, true, 5, "io", -1),
                new ReplyChunk.Error(6, 0, true, 28, "", 77)));
    }

    @Test
    void simpleReplyWithoutDataIsAllowedUnderStructured() {
        byte[] expected = bytes(Unpooled.buffer().writeInt(NbdMagic.SIMPLE_REPLY).writeInt(1).writeLong(3));
        assertArrayEquals(expected, encode(new ReplyEncoder(ReplyFormat.STRUCTURED), new SimpleReply(3, 1, null)));
    }

    @Test
    void extendedChunksCarryTheRequestOffset() {
        byte[] expected = bytes(Unpooled.buffer()
                .writeBytes(extended(1, ReplyType.NONE, 1, 4096, 0))
                .writeBytes(extended(1, ReplyType.OFFSET_DATA, 2, 1L << 40, 9).writeLong(1L << 40).writeByte('x'))
                .writeBytes(extended(0, ReplyType.OFFSET_HOLE, 3, 8, 12).writeLong(8).writeInt(512))
                .writeBytes(extended(1, ReplyType.BLOCK_STATUS_EXT, 4, 0, 40).writeInt(2).writeInt(2)
                        .writeLong(1L << 36).writeLong(1).writeLong(512).writeLong(0xfffffffeL))
                .writeBytes(extended(1, ReplyType.ERROR_OFFSET, 5, 16, 15).writeInt(5).writeShort(1)
                        .writeByte('e').writeLong(20)));
        assertArrayEquals(expected, encode(new ReplyEncoder(ReplyFormat.EXTENDED),
                new ReplyChunk.None(1, 4096),
                new ReplyChunk.Data(2, 1L << 40, true, 1L << 40, buf("x")),
                new ReplyChunk.Hole(3, 8, false, 8, 512),
                new ReplyChunk.BlockStatus(4, 0, true, 2,
                        List.of(new ReplyChunk.Extent(1L << 36, 1), new ReplyChunk.Extent(512, -2))),
                new ReplyChunk.Error(5, 16, true, 5, "e", 20)));
    }

    @Test
    void simpleRepliesBecomeChunksUnderExtendedHeaders() {
        byte[] expected = bytes(Unpooled.buffer()
                .writeBytes(extended(1, ReplyType.NONE, 7, 0, 0))
                .writeBytes(extended(1, ReplyType.ERROR, 8, 0, 6).writeInt(22).writeShort(0)));
        assertArrayEquals(expected, encode(new ReplyEncoder(ReplyFormat.EXTENDED), new SimpleReply(7, 0, null),
                new SimpleReply(8, 22, null)));
    }

    @Test
    void chunkWithoutStructuredRepliesIsRefused() {
        ByteBuf data = buf("d");
        EmbeddedChannel ch = new EmbeddedChannel(new ReplyEncoder(ReplyFormat.SIMPLE));
        assertThrows(EncoderException.class, () -> ch.writeOutbound(new ReplyChunk.Data(1, 0, true, 0, data)));
        assertEquals(0, data.refCnt(), "the refused message was released");
        assertNull(ch.readOutbound());
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void simpleReplyWithDataIsRefusedUnderStructured() {
        for (ReplyFormat f : List.of(ReplyFormat.STRUCTURED, ReplyFormat.EXTENDED)) {
            ByteBuf data = buf("d");
            EmbeddedChannel ch = new EmbeddedChannel(new ReplyEncoder(f));
            EncoderException e = assertThrows(EncoderException.class, () -> ch.writeOutbound(new SimpleReply(1, 0, data)));
            assertTrue(e.getMessage().contains("chunks"), e.getMessage());
            assertEquals(0, data.refCnt());
            assertNull(ch.readOutbound());
            assertFalse(ch.finishAndReleaseAll());
        }
    }

    @Test
    void extentTooLongForCompactBlockStatusIsRefusedWholly() {
        EmbeddedChannel ch = new EmbeddedChannel(new ReplyEncoder(ReplyFormat.STRUCTURED));
        assertThrows(EncoderException.class, () -> ch.writeOutbound(new ReplyChunk.BlockStatus(1, 0, true, 1,
                List.of(new ReplyChunk.Extent(1L << 32, 0)))));
        assertNull(ch.readOutbound(), "nothing half-written");
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void dataChunkWithoutDataIsRefused() {
        EmbeddedChannel ch = new EmbeddedChannel(new ReplyEncoder(ReplyFormat.STRUCTURED));
        EncoderException e = assertThrows(EncoderException.class,
                () -> ch.writeOutbound(new ReplyChunk.Data(1, 0, true, 0, Unpooled.EMPTY_BUFFER)));
        assertTrue(e.getMessage().contains("without data"), e.getMessage());
        assertNull(ch.readOutbound());
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void errorMessageIsCutToTheStringLimit() {
        String longMessage = "é".repeat(3000);
        byte[] cut = ReplyEncoder.truncated(longMessage);
        assertTrue(cut.length <= ReplyEncoder.MAX_STRING && cut.length > 4000, "length " + cut.length);
        assertEquals(new String(cut, java.nio.charset.StandardCharsets.UTF_8), "é".repeat(cut.length / 2));
        assertEquals(0, ReplyEncoder.truncated(null).length);
    }

    @Test
    void formatSwitchesAfterTheHandshake() {
        ReplyEncoder encoder = new ReplyEncoder(ReplyFormat.SIMPLE);
        encoder.setFormat(ReplyFormat.EXTENDED);
        assertEquals(32, encode(encoder, new ReplyChunk.None(1, 0)).length);
    }
}
