package org.enbd.protocol;

import static org.enbd.protocol.CodecFixture.assertDecodes;
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
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.EncoderException;
import java.util.List;
import java.util.function.Supplier;
import org.enbd.api.layer.RequestFlags;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link RequestEncoder}: byte layout, zero copy, and round trips through {@link RequestDecoder}. */
@ExtendWith(LeakCheck.class)
class RequestCodecTest {

    private static List<Request> requests() {
        return List.of(Request.of(Command.READ, RequestFlags.DF, 1, 4096, 512),
                new Request(RequestFlags.FUA, Command.WRITE.value(), 2, 1 << 20, 5, buf("hello")),
                Request.of(Command.BLOCK_STATUS, RequestFlags.REQ_ONE, 3, 0, 1 << 30),
                Request.of(Command.DISC, 0, 4, 0, 0), new Request(0, 0x99, 5, 6, 7, null));
    }

    private static void roundTrip(boolean extended, Supplier<List<Request>> requests) {
        byte[] wire = encode(new RequestEncoder(extended), requests.get().toArray());
        assertDecodes(() -> new RequestDecoder(1024, extended), wire, requests.get());
    }

    @Test
    void compactRoundTrip() {
        roundTrip(false, RequestCodecTest::requests);
    }

    @Test
    void extendedRoundTrip() {
        roundTrip(true, () -> {
            List<Request> all = new java.util.ArrayList<>(requests());
            all.add(Request.of(Command.READ, 0, 6, 1L << 50, 1L << 40));
            all.add(new Request(RequestFlags.PAYLOAD_LEN, Command.BLOCK_STATUS.value(), 7, 0, 8,
                    buf("\0\0\0\1\0\0\0\2")));
            return all;
        });
    }

    @Test
    void compactLayout() {
        byte[] wire = encode(new RequestEncoder(false), new Request(1, 1, 2, 3, 1, buf("z")));
        assertArrayEquals(RequestDecoderTest.compact(1, 1, 2, 3, 1, "z".getBytes()), wire);
    }

    @Test
    void extendedLayout() {
        byte[] wire = encode(new RequestEncoder(true), Request.of(Command.TRIM, 0, 2, 3, 1L << 33));
        assertArrayEquals(RequestDecoderTest.extended(0, Command.TRIM.value(), 2, 3, 1L << 33, new byte[0]), wire);
    }

    @Test
    void writeDataIsPassedOnUncopied() {
        ByteBuf data = buf("payload");
        EmbeddedChannel ch = new EmbeddedChannel(new RequestEncoder(false));
        ch.writeOutbound(new Request(0, Command.WRITE.value(), 1, 0, 7, data));
        ByteBuf header = ch.readOutbound();
        assertEquals(28, header.readableBytes());
        assertSame(data, ch.readOutbound());
        assertTrue(header.release());
        assertTrue(data.release());
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void payloadLengthMismatchIsRefused() {
        ByteBuf data = buf("abc");
        EmbeddedChannel ch = new EmbeddedChannel(new RequestEncoder(false));
        assertThrows(EncoderException.class, () -> ch.writeOutbound(new Request(0, 1, 1, 0, 4, data)));
        assertEquals(0, data.refCnt());
        assertNull(ch.readOutbound());
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void longLengthNeedsExtendedHeaders() {
        EmbeddedChannel ch = new EmbeddedChannel(new RequestEncoder(false));
        EncoderException e = assertThrows(EncoderException.class,
                () -> ch.writeOutbound(Request.of(Command.READ, 0, 1, 0, 1L << 32)));
        assertTrue(e.getMessage().contains("extended headers"), e.getMessage());
        assertFalse(ch.finishAndReleaseAll());
    }
}
