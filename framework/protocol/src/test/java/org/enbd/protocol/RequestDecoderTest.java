package org.enbd.protocol;

import static org.enbd.protocol.CodecFixture.assertDecodeFails;
import static org.enbd.protocol.CodecFixture.assertDecodes;
import static org.enbd.protocol.CodecFixture.concat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.List;
import org.enbd.api.layer.RequestFlags;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LeakCheck.class)
class RequestDecoderTest {
    private static final int MAX = 64;

    static byte[] compact(int flags, int type, long cookie, long offset, int length, byte[] data) {
        return ByteBufUtil.getBytes(Unpooled.buffer().writeInt(NbdMagic.REQUEST).writeShort(flags).writeShort(type)
                .writeLong(cookie).writeLong(offset).writeInt(length).writeBytes(data));
    }

    static byte[] extended(int flags, int type, long cookie, long offset, long length, byte[] data) {
        return ByteBufUtil.getBytes(Unpooled.buffer().writeInt(NbdMagic.EXTENDED_REQUEST).writeShort(flags)
                .writeShort(type).writeLong(cookie).writeLong(offset).writeLong(length).writeBytes(data));
    }

    private static byte[] data(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 7 + 1);
        }
        return b;
    }

    @Test
    void compactRequests() {
        byte[] d = data(16);
        byte[] input = concat(compact(0, Command.READ.value(), 1, 4096, 512, new byte[0]),
                compact(RequestFlags.FUA, Command.WRITE.value(), 2, 0, 16, d),
                compact(0, Command.FLUSH.value(), -1L, 0, 0, new byte[0]));
        assertDecodes(() -> new RequestDecoder(MAX, false), input, List.of(
                Request.of(Command.READ, 0, 1, 4096, 512),
                new Request(RequestFlags.FUA, Command.WRITE.value(), 2, 0, 16, Unpooled.wrappedBuffer(d)),
                Request.of(Command.FLUSH, 0, -1L, 0, 0)));
    }

    @Test
    void compactLengthIsUnsigned() {
        byte[] input = compact(0, Command.TRIM.value(), 3, -2L, -1, new byte[0]);
        assertDecodes(() -> new RequestDecoder(MAX, false), input,
                List.of(Request.of(Command.TRIM, 0, 3, -2L, 0xffffffffL)));
    }

    @Test
    void extendedRequests() {
        byte[] d = data(9);
        byte[] ids = {0, 0, 0, 1};
        byte[] input = concat(extended(0, Command.READ.value(), 1, 1L << 40, 1L << 33, new byte[0]),
                extended(0, Command.WRITE.value(), 2, 8, 9, d),
                extended(RequestFlags.PAYLOAD_LEN, Command.BLOCK_STATUS.value(), 3, 0, 4, ids),
                extended(0, Command.WRITE_ZEROES.value(), 4, 0, 1L << 35, new byte[0]));
        assertDecodes(() -> new RequestDecoder(MAX, true), input, List.of(
                Request.of(Command.READ, 0, 1, 1L << 40, 1L << 33),
                new Request(0, Command.WRITE.value(), 2, 8, 9, Unpooled.wrappedBuffer(d)),
                new Request(RequestFlags.PAYLOAD_LEN, Command.BLOCK_STATUS.value(), 3, 0, 4,
                        Unpooled.wrappedBuffer(ids)),
                Request.of(Command.WRITE_ZEROES, 0, 4, 0, 1L << 35)));
    }

    @Test
    void payloadLenFlagMeansNothingInCompactMode() {
        byte[] input = compact(RequestFlags.PAYLOAD_LEN, Command.BLOCK_STATUS.value(), 3, 0, 4, new byte[0]);
        assertDecodes(() -> new RequestDecoder(MAX, false), input,
                List.of(Request.of(Command.BLOCK_STATUS, RequestFlags.PAYLOAD_LEN, 3, 0, 4)));
    }

    @Test
    void zeroLengthWriteHasAnEmptyPayload() {
        assertDecodes(() -> new RequestDecoder(MAX, false), compact(0, 1, 5, 0, 0, new byte[0]),
                List.of(new Request(0, 1, 5, 0, 0, Unpooled.EMPTY_BUFFER)));
    }

    @Test
    void oversizeWriteIsDiscardedAndArrivesWithoutPayload() {
        byte[] input = concat(compact(0, Command.WRITE.value(), 7, 0, MAX + 1, data(MAX + 1)),
                compact(0, Command.READ.value(), 8, 0, 1, new byte[0]));
        assertDecodes(() -> new RequestDecoder(MAX, false), input, List.of(
                new Request(0, Command.WRITE.value(), 7, 0, MAX + 1, null),
                Request.of(Command.READ, 0, 8, 0, 1)));
    }

    @Test
    void oversizePayloadLenRequestIsDiscarded() {
        byte[] input = concat(extended(RequestFlags.PAYLOAD_LEN, Command.BLOCK_STATUS.value(), 7, 0, MAX + 3,
                data(MAX + 3)), extended(0, Command.DISC.value(), 8, 0, 0, new byte[0]));
        assertDecodes(() -> new RequestDecoder(MAX, true), input, List.of(
                new Request(RequestFlags.PAYLOAD_LEN, Command.BLOCK_STATUS.value(), 7, 0, MAX + 3, null),
                Request.of(Command.DISC, 0, 8, 0, 0)));
    }

    @Test
    void writeAtTheLimitIsRead() {
        byte[] d = data(MAX);
        assertDecodes(() -> new RequestDecoder(MAX, false), compact(0, 1, 1, 0, MAX, d),
                List.of(new Request(0, 1, 1, 0, MAX, Unpooled.wrappedBuffer(d))));
    }

    @Test
    void unknownCommandPassesThroughWithItsRawType() {
        byte[] input = concat(compact(0, 0x4242, 9, 1, 100, new byte[0]),
                compact(0, Command.READ.value(), 10, 0, 1, new byte[0]));
        List<Request> expected = List.of(new Request(0, 0x4242, 9, 1, 100, null), Request.of(Command.READ, 0, 10, 0, 1));
        assertDecodes(() -> new RequestDecoder(MAX, false), input, expected);
        assertNull(expected.get(0).command());
    }

    @Test
    void badMagicFails() {
        byte[] input = compact(0, 0, 1, 0, 0, new byte[0]);
        input[0] = 0x11;
        assertDecodeFails(() -> new RequestDecoder(MAX, false), concat(input, data(5)), "bad request magic");
    }

    @Test
    void compactRequestUnderExtendedHeadersFails() {
        byte[] input = concat(compact(0, 0, 1, 0, 0, new byte[0]), data(8));
        assertDecodeFails(() -> new RequestDecoder(MAX, true), input, "extended headers");
    }

    @Test
    void impossibleExtendedLengthFails() {
        assertDecodeFails(() -> new RequestDecoder(MAX, true), extended(0, 1, 1, 0, -1L, new byte[0]),
                "beyond any export");
    }

    @Test
    void truncatedRequestYieldsNothing() {
        byte[] full = compact(0, Command.WRITE.value(), 1, 0, 4, data(4));
        for (int cut = 0; cut < full.length; cut++) {
            EmbeddedChannel ch = new EmbeddedChannel(new RequestDecoder(MAX, false));
            ch.writeInbound(Unpooled.wrappedBuffer(full, 0, cut));
            assertNull(ch.readInbound(), "nothing from " + cut + " bytes");
            CodecFixture.releaseAndCheck(ch, List.of());
        }
    }

    @Test
    void switchesToExtendedHeadersBetweenRequests() {
        RequestDecoder decoder = new RequestDecoder(MAX, false);
        EmbeddedChannel ch = new EmbeddedChannel(decoder);
        ch.writeInbound(Unpooled.wrappedBuffer(compact(0, 0, 1, 2, 3, new byte[0])));
        assertEquals(Request.of(Command.READ, 0, 1, 2, 3), ch.readInbound());
        decoder.setExtended(true);
        ch.writeInbound(Unpooled.wrappedBuffer(extended(0, 0, 4, 5, 6, new byte[0])));
        assertEquals(Request.of(Command.READ, 0, 4, 5, 6), ch.readInbound());
        CodecFixture.releaseAndCheck(ch, List.of());
    }

    @Test
    void payloadIsARetainedSliceTheHandlerReleases() {
        EmbeddedChannel ch = new EmbeddedChannel(new RequestDecoder(MAX, false));
        ch.writeInbound(Unpooled.wrappedBuffer(compact(0, 1, 1, 0, 8, data(8))));
        Request r = ch.readInbound();
        ByteBuf payload = r.payload();
        assertEquals(8, payload.readableBytes());
        CodecFixture.releaseAndCheck(ch, List.of(r));
        assertEquals(0, payload.refCnt());
    }

    @Test
    void aPayloadInManyReadsIsComposedNotCopied() {
        EmbeddedChannel ch = new EmbeddedChannel(new RequestDecoder(4096, false));
        byte[] wire = compact(0, 1, 5, 512, 4000, data(4000));
        List<ByteBuf> reads = new java.util.ArrayList<>();
        for (int at = 0; at < wire.length; at += 1000) {
            ByteBuf read = Unpooled.directBuffer(1000).writeBytes(wire, at, Math.min(1000, wire.length - at));
            reads.add(read);
            ch.writeInbound(read);
        }
        Request r = ch.readInbound();
        assertEquals(ByteBufUtil.hexDump(data(4000)), ByteBufUtil.hexDump(r.payload()));
        // the reads were kept as components: the payload spans several of them instead of one merged copy
        assertEquals(true, r.payload().nioBufferCount() > 1, "payload is a slice over the received reads");
        CodecFixture.releaseAndCheck(ch, List.of(r));
        reads.forEach(read -> assertEquals(0, read.refCnt(), "every read is released with the payload"));
    }
}
