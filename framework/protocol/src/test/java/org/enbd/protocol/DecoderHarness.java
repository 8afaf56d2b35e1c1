package org.enbd.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Feeds a fuzzer's bytes to one decoder in an {@link EmbeddedChannel}, split at the boundaries the fuzzer chooses,
 * and checks what every decoder here promises: the only exception out of it is a {@link DecoderException} (its
 * documented CorruptedFrameException or TooLongFrameException), after which the channel is closed by the test
 * as a handler would; every message it emits can be released; and once the channel is finished every buffer
 * given to it has been released (no leak, whatever the input).
 */
final class DecoderHarness {
    private DecoderHarness() {
    }

    /**
     * @param check looks at each message before it is released (bounded sizes, consistent fields)
     */
    static void run(FuzzedDataProvider data, ChannelHandler decoder, Consumer<Object> check) {
        run(data, decoder, check, channel -> { });
    }

    /** As above; {@code between} runs after each piece (a handler's resuming of a held decoder). */
    static void run(FuzzedDataProvider data, ChannelHandler decoder, Consumer<Object> check,
                    Consumer<EmbeddedChannel> between) {
        EmbeddedChannel channel = new EmbeddedChannel(decoder);
        List<ByteBuf> given = new ArrayList<>();
        try {
            while (data.remainingBytes() > 0 && channel.isOpen()) {
                int piece = data.consumeInt(1, 4096);
                byte[] bytes = data.consumeBytes(piece);
                if (bytes.length == 0) {
                    break; // the piece's length took the last bytes (and an empty buffer is never released)
                }
                ByteBuf in = Unpooled.wrappedBuffer(bytes);
                given.add(in);
                try {
                    channel.writeInbound(in);
                    drain(channel, check);
                    between.accept(channel);
                } catch (DecoderException expected) {
                    channel.close(); // what every handler does on a decoder failure
                }
                drain(channel, check);
            }
        } finally {
            channel.finishAndReleaseAll();
        }
        for (ByteBuf in : given) {
            assertEquals(0, in.refCnt(), "the decoder released every buffer it was given");
        }
    }

    private static void drain(EmbeddedChannel channel, Consumer<Object> check) {
        for (Object message; (message = channel.readInbound()) != null; ) {
            try {
                check.accept(message);
            } finally {
                ReferenceCountUtil.release(message);
            }
        }
    }
}
