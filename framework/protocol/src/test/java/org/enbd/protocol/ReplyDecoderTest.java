package org.enbd.protocol;

import static org.enbd.protocol.CodecFixture.assertDecodeFails;
import static org.enbd.protocol.CodecFixture.assertDecodes;
import static org.enbd.protocol.CodecFixture.buf;
import static org.enbd.protocol.CodecFixture.concat;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Decoding server replies, including every malformed chunk the spec asks a client to disconnect on. */
@ExtendWith(LeakCheck.class)
class ReplyDecoderTest {
    /** Cookies 100..199 are READs of (cookie - 100) bytes. */
    private static final Supplier<ChannelHandler> DECODER =
            () -> new ReplyDecoder(cookie -> cookie >= 100 && cookie < 200 ? (int) cookie - 100 : 0, 64);

    private static byte[] simple(int error, long cookie, byte[] data) {
        return ByteBufUtil.getBytes(Unpooled.buffer().writeInt(NbdMagic.SIMPLE_REPLY).writeInt(error)
                .writeLong(cookie).writeBytes(data));
    }

    private static byte[] chunk(int flags, int type, long cookie, ByteBuf payload) {
        return ByteBufUtil.getBytes(Unpooled.buffer().writeInt(NbdMagic.STRUCTURED_REPLY).writeShort(flags)
                .writeShort(type).writeLong(cookie).writeInt(payload.readableBytes()).writeBytes(payload));
    }

    private static byte[] extChunk(int flags, int type, long cookie, long offset, ByteBuf payload) {
        return ByteBufUtil.getBytes(Unpooled.buffer().writeInt(NbdMagic.EXTENDED_REPLY).writeShort(flags)
                .writeShort(type).writeLong(cookie).writeLong(offset).writeLong(payload.readableBytes())
                .writeBytes(payload));
    }

    private static ByteBuf payload() {
        return Unpooled.buffer();
    }

    @Test
    void simpleRepliesTakeTheirDataLengthFromTheRequest() {
        byte[] input = concat(simple(0, 103, "abc".getBytes()), simple(0, 7, new byte[0]), simple(5, 104, new byte[0]),
                simple(0, 100, new byte[0]));
        assertDecodes(DECODER, input, List.of(new SimpleReply(103, 0, buf("abc")), new SimpleReply(7, 0, null),
                new SimpleReply(104, 5, null), new SimpleReply(100, 0, null)));
    }

    @Test
    void structuredChunks() {
        byte[] input = concat(
                chunk(0, ReplyType.OFFSET_DATA.value(), 1, payload().writeLong(512).writeBytes("xy".getBytes())),
                chunk(0, ReplyType.OFFSET_HOLE.value(), 1, payload().writeLong(514).writeInt(100)),
                chunk(1, ReplyType.BLOCK_STATUS.value(), 2, payload().writeInt(1).writeInt(-1).writeInt(3)),
                chunk(1, ReplyType.ERROR.value(), 3, payload().writeInt(5).writeShort(2).writeBytes("io".getBytes())),
                chunk(0, ReplyType.ERROR_OFFSET.value(), 4, payload().writeInt(5).writeShort(0).writeLong(9)),
                chunk(1, ReplyType.NONE.value(), 4, payload()));
        assertDecodes(DECODER, input, List.of(
                new ReplyChunk.Data(1, 0, false, 512, buf("xy")),
                new ReplyChunk.Hole(1, 0, false, 514, 100),
                new ReplyChunk.BlockStatus(2, 0, true, 1, List.of(new ReplyChunk.Extent(0xffffffffL, 3))),
                new ReplyChunk.Error(3, 0, true, 5, "io", -1),
                new ReplyChunk.Error(4, 0, false, 5, "", 9),
                new ReplyChunk.None(4, 0)));
    }

    @Test
    void extendedChunks() {
        byte[] input = concat(
                extChunk(1, ReplyType.NONE.value(), 1, 77, payload()),
                extChunk(0, ReplyType.OFFSET_DATA.value(), 2, 1L << 40, payload().writeLong(1L << 40).writeByte('q')),
                extChunk(1, ReplyType.BLOCK_STATUS_EXT.value(), 3, 0, payload().writeInt(2).writeInt(2)
                        .writeLong(1L << 35).writeLong(1).writeLong(4096).writeLong(2)),
                extChunk(1, ReplyType.BLOCK_STATUS.value(), 4, 8, payload().writeInt(1).writeInt(8).writeInt(0)));
        assertDecodes(DECODER, input, List.of(
                new ReplyChunk.None(1, 77),
                new ReplyChunk.Data(2, 1L << 40, false, 1L << 40, buf("q")),
                new ReplyChunk.BlockStatus(3, 0, true, 2,
                        List.of(new ReplyChunk.Extent(1L << 35, 1), new ReplyChunk.Extent(4096, 2))),
                new ReplyChunk.BlockStatus(4, 8, true, 1, List.of(new ReplyChunk.Extent(8, 0)))));
    }

    @Test
    void unknownChunkTypePassesThroughWithItsPayload() {
        byte[] input = concat(chunk(0, 0x8077, 1, payload().writeInt(5).writeShort(0)),
                extChunk(1, 42, 2, 3, payload()));
        assertDecodes(DECODER, input, List.of(
                new ReplyChunk.Unknown(1, 0, false, 0x8077, Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 5, 0, 0})),
                new ReplyChunk.Unknown(2, 3, true, 42, Unpooled.EMPTY_BUFFER)));
    }

    @Test
    void badMagic() {
        byte[] input = simple(0, 1, new byte[0]);
        input[3] = 0;
        assertDecodeFails(DECODER, concat(input, new byte[7]), "bad reply magic");
    }

    @Test
    void chunkLongerThanLimit() {
        assertDecodeFails(DECODER, chunk(0, ReplyType.OFFSET_DATA.value(), 1, payload().writeZero(65)),
                "exceeds the limit of 64");
    }

    @Test
    void extendedChunkWithHugeLength() {
        byte[] header = ByteBufUtil.getBytes(Unpooled.buffer().writeInt(NbdMagic.EXTENDED_REPLY).writeShort(0)
                .writeShort(1).writeLong(1).writeLong(0).writeLong(-1L));
        assertDecodeFails(DECODER, header, "18446744073709551615 bytes");
    }

    @Test
    void simpleReplyDataLongerThanLimit() {
        assertDecodeFails(() -> new ReplyDecoder(cookie -> 1000, 64), simple(0, 1, new byte[0]), "simple reply data of 1000 bytes");
    }

    @Test
    void noneWithPayload() {
        assertDecodeFails(DECODER, chunk(1, ReplyType.NONE.value(), 1, payload().writeInt(0)), "length 4");
    }

    @Test
    void noneWithoutDone() {
        assertDecodeFails(DECODER, chunk(0, ReplyType.NONE.value(), 1, payload()), "without NBD_REPLY_FLAG_DONE");
    }

    @Test
    void offsetDataWithoutData() {
        assertDecodeFails(DECODER, chunk(0, ReplyType.OFFSET_DATA.value(), 1, payload().writeLong(0)),
                "OFFSET_DATA chunk of length 8");
    }

    @Test
    void holeOfWrongLength() {
        assertDecodeFails(DECODER, chunk(0, ReplyType.OFFSET_HOLE.value(), 1, payload().writeLong(0).writeLong(1)),
                "OFFSET_HOLE chunk of length 16");
    }

    @Test
    void holeLongerThanAnyReadIsRefused() {
        // 0x8e33ef4a as unsigned is 2.4 GB; read as a signed int it was a negative length (found by Jazzer)
        assertDecodeFails(DECODER, chunk(0, ReplyType.OFFSET_HOLE.value(), 1, payload().writeLong(0)
                .writeInt(0x8e33ef4a)), "OFFSET_HOLE of 2385768266 bytes");
    }

    @Test
    void blockStatusOfWrongLength() {
        assertDecodeFails(DECODER, chunk(1, ReplyType.BLOCK_STATUS.value(), 1, payload().writeInt(1)),
                "BLOCK_STATUS chunk of length 4");
        assertDecodeFails(DECODER, chunk(1, ReplyType.BLOCK_STATUS.value(), 1, payload().writeInt(1).writeLong(1)
                .writeInt(2)), "BLOCK_STATUS chunk of length 16");
    }

    @Test
    void blockStatusExtWithWrongCount() {
        assertDecodeFails(DECODER, extChunk(1, ReplyType.BLOCK_STATUS_EXT.value(), 1, 0, payload().writeInt(1)
                .writeInt(2).writeLong(1).writeLong(0)), "its count of 2");
        assertDecodeFails(DECODER, extChunk(1, ReplyType.BLOCK_STATUS_EXT.value(), 1, 0, payload().writeInt(1)
                .writeInt(0)), "BLOCK_STATUS_EXT chunk of length 8");
    }

    @Test
    void errorWithWrongMessageLength() {
        assertDecodeFails(DECODER, chunk(1, ReplyType.ERROR.value(), 1, payload().writeInt(5).writeShort(3)
                .writeByte('x')), "its message length 3");
        assertDecodeFails(DECODER, chunk(1, ReplyType.ERROR.value(), 1, payload().writeInt(5)), "at least 6");
        assertDecodeFails(DECODER, chunk(1, ReplyType.ERROR_OFFSET.value(), 1, payload().writeInt(5).writeShort(0)),
                "at least 14");
    }

    @Test
    void truncatedReplyYieldsNothing() {
        byte[] full = chunk(0, ReplyType.OFFSET_DATA.value(), 1, payload().writeLong(0).writeInt(7));
        for (int cut = 0; cut < full.length; cut++) {
            EmbeddedChannel ch = new EmbeddedChannel(DECODER.get());
            ch.writeInbound(Unpooled.wrappedBuffer(full, 0, cut));
            assertNull(ch.readInbound(), "nothing from " + cut + " bytes");
            CodecFixture.releaseAndCheck(ch, List.of());
        }
    }
}
