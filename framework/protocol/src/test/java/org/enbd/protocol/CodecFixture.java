package org.enbd.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * Drives codecs through {@link EmbeddedChannel}s the way Netty's own codec tests do: input split at every
 * boundary, byte by byte, and at once; every message released and every buffer checked freed at the end.
 */
public final class CodecFixture {
    private CodecFixture() {
    }

    /** The ways to cut {@code input}: whole, byte by byte, and in two pieces at every inner point. */
    public static List<List<byte[]>> splits(byte[] input) {
        List<List<byte[]>> all = new ArrayList<>();
        all.add(List.of(input));
        List<byte[]> single = new ArrayList<>();
        for (byte b : input) {
            single.add(new byte[] {b});
        }
        all.add(single);
        for (int i = 1; i < input.length; i++) {
            all.add(List.of(Arrays.copyOfRange(input, 0, i), Arrays.copyOfRange(input, i, input.length)));
        }
        return all;
    }

    /** Feeds {@code input} in every split to a fresh channel and asserts the same messages come out each time. */
    public static void assertDecodes(Supplier<ChannelHandler> decoder, byte[] input, List<?> expected) {
        for (List<byte[]> pieces : splits(input)) {
            EmbeddedChannel ch = new EmbeddedChannel(decoder.get());
            for (byte[] piece : pieces) {
                ch.writeInbound(tracked(piece));
            }
            List<Object> got = readAllInbound(ch);
            try {
                assertEquals(expected, got, "split into " + pieces.size() + " pieces, first " + pieces.get(0).length);
            } finally {
                releaseAndCheck(ch, got);
            }
        }
    }

    /** Feeds {@code input} in every split and asserts the decoder fails with a message containing {@code text}. */
    public static void assertDecodeFails(Supplier<ChannelHandler> decoder, byte[] input, String text) {
        for (List<byte[]> pieces : splits(input)) {
            EmbeddedChannel ch = new EmbeddedChannel(decoder.get());
            List<Object> got = new ArrayList<>();
            DecoderException e = assertThrows(DecoderException.class, () -> {
                for (byte[] piece : pieces) {
                    ch.writeInbound(tracked(piece));
                    got.addAll(readAllInbound(ch));
                }
            });
            got.addAll(readAllInbound(ch));
            assertInstanceOf(String.class, e.getMessage());
            if (!e.getMessage().contains(text)) {
                throw new AssertionError("expected '" + text + "' in: " + e.getMessage(), e);
            }
            releaseAndCheck(ch, got);
        }
    }

    /** Input from the pooled allocator, whose buffers the leak detector tracks (wrapped arrays it does not). */
    public static ByteBuf tracked(byte[] bytes) {
        return ByteBufAllocator.DEFAULT.buffer(bytes.length).writeBytes(bytes);
    }

    public static List<Object> readAllInbound(EmbeddedChannel ch) {
        List<Object> got = new ArrayList<>();
        for (Object m; (m = ch.readInbound()) != null; ) {
            got.add(m);
        }
        return got;
    }

    /** Writes {@code messages} through {@code encoder} and returns the bytes, releasing every buffer written. */
    public static byte[] encode(ChannelHandler encoder, Object... messages) {
        EmbeddedChannel ch = new EmbeddedChannel(encoder);
        for (Object m : messages) {
            ch.writeOutbound(m);
        }
        ByteBuf all = Unpooled.buffer();
        for (ByteBuf b; (b = ch.readOutbound()) != null; ) {
            all.writeBytes(b);
            b.release();
        }
        assertFalse(ch.finishAndReleaseAll(), "nothing left in the channel");
        return ByteBufUtil.getBytes(all);
    }

    /** Releases what a test received, closes the channel and checks that nothing else was left or leaked. */
    public static void releaseAndCheck(EmbeddedChannel ch, List<Object> messages) {
        List<ByteBuf> payloads = new ArrayList<>();
        for (Object m : messages) {
            if (m instanceof PayloadMessage p && p.payload() != null && p.payload() != Unpooled.EMPTY_BUFFER) {
                payloads.add(p.payload());
            }
            ReferenceCountUtil.release(m);
        }
        assertFalse(ch.finishAndReleaseAll(), "nothing left in the channel");
        for (ByteBuf b : payloads) {
            assertEquals(0, b.refCnt(), "payload buffer freed");
        }
    }

    public static byte[] concat(byte[]... parts) {
        ByteBuf b = Unpooled.buffer();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return ByteBufUtil.getBytes(b);
    }

    public static ByteBuf buf(String ascii) {
        return Unpooled.copiedBuffer(ascii, java.nio.charset.StandardCharsets.UTF_8);
    }
}
