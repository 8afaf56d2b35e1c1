package org.enbd.protocol;

import static org.enbd.protocol.CodecFixture.assertDecodes;
import static org.enbd.protocol.CodecFixture.buf;
import static org.enbd.protocol.CodecFixture.encode;

import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Every reply through {@link ReplyEncoder} in every {@link ReplyFormat} and back through {@link ReplyDecoder}. */
@ExtendWith(LeakCheck.class)
class ReplyCodecTest {

    private static void roundTrip(ReplyFormat format, Supplier<List<Reply>> sent, Supplier<List<Reply>> received) {
        byte[] wire = encode(new ReplyEncoder(format), sent.get().toArray());
        assertDecodes(() -> new ReplyDecoder(cookie -> cookie == 1 ? 4 : 0, 1 << 16), wire, received.get());
    }

    private static void roundTrip(ReplyFormat format, Supplier<List<Reply>> replies) {
        roundTrip(format, replies, replies);
    }

    /** Chunks as both framings carry them; structured headers have no request offset, so it is 0 here. */
    private static List<Reply> chunks(long requestOffset) {
        return List.of(
                new ReplyChunk.Data(2, requestOffset, false, 4096, buf("data")),
                new ReplyChunk.Hole(2, requestOffset, false, 4100, 1 << 20),
                new ReplyChunk.Error(2, requestOffset, false, 5, "bad sector", 4200),
                new ReplyChunk.Error(2, requestOffset, true, 5, "", -1),
                new ReplyChunk.BlockStatus(3, requestOffset, false, 1,
                        List.of(new ReplyChunk.Extent(512, 3), new ReplyChunk.Extent(1024, 0))),
                new ReplyChunk.BlockStatus(3, requestOffset, true, 2, List.of(new ReplyChunk.Extent(1536, 1))),
                new ReplyChunk.Unknown(4, requestOffset, false, 0x8099, buf("raw")),
                new ReplyChunk.None(4, requestOffset));
    }

    @Test
    void simple() {
        roundTrip(ReplyFormat.SIMPLE, () -> List.of(new SimpleReply(1, 0, buf("read")), new SimpleReply(2, 0, null),
                new SimpleReply(1, 22, null), new SimpleReply(3, 1, null)));
    }

    @Test
    void structured() {
        roundTrip(ReplyFormat.STRUCTURED, () -> {
            List<Reply> all = new java.util.ArrayList<>(chunks(0));
            all.add(new SimpleReply(5, 0, null));
            all.add(new SimpleReply(6, 28, null));
            return all;
        });
    }

    @Test
    void extended() {
        roundTrip(ReplyFormat.EXTENDED, () -> chunks(1L << 42));
    }

    @Test
    void extendedBlockStatusWithLongExtents() {
        roundTrip(ReplyFormat.EXTENDED, () -> List.of(new ReplyChunk.BlockStatus(3, 0, true, 1,
                List.of(new ReplyChunk.Extent(1L << 40, 0), new ReplyChunk.Extent(1L << 33, -1)))));
    }

    @Test
    void simpleRepliesUnderExtendedHeadersArriveAsFinalChunks() {
        roundTrip(ReplyFormat.EXTENDED, () -> List.of(new SimpleReply(5, 0, null), new SimpleReply(6, 28, null)),
                () -> List.of(new ReplyChunk.None(5, 0), new ReplyChunk.Error(6, 0, true, 28, "", -1)));
    }
}
