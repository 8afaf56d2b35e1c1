package org.enbd.client.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import org.enbd.protocol.Command;
import org.enbd.protocol.ReplyChunk;
import org.enbd.protocol.ReplyType;
import org.enbd.protocol.SimpleReply;

/**
 * Any sequence of replies a server may send for one request, through the client's reply assembly: it either
 * completes with exactly what was asked (a READ's whole length, every byte from a chunk or a hole), fails with the
 * server's error, or reports a {@link ReplyAssembly.Violation}; nothing else escapes, it ends within a bounded
 * number of chunks, and every buffer is released. Regression mode replays the corpus under src/test/resources.
 */
class ReplyAssemblyFuzzTest {
    private static final int CONTEXT = 1;
    private static final Command[] COMMANDS = {Command.READ, Command.BLOCK_STATUS, Command.ENBD_CONTROL,
            Command.WRITE};

    @FuzzTest(maxDuration = "30s")
    void assemble(FuzzedDataProvider data) {
        Command command = data.pickValue(COMMANDS);
        long offset = data.consumeLong(0, 1 << 20);
        int length = data.consumeInt(1, 64 * 1024);
        ReplyAssembly assembly = new ReplyAssembly(command, offset, length, CONTEXT, ByteBufAllocator.DEFAULT);
        List<ByteBuf> given = new ArrayList<>();
        boolean done = false;
        int chunks = 0;
        try {
            while (!done && data.remainingBytes() > 0) {
                chunks++;
                try {
                    done = assembly.accept(reply(data, offset, length, given));
                } catch (ReplyAssembly.Violation expected) {
                    break;
                }
                // every chunk adds a new piece, an error or the one status: at most this many can be taken
                assertTrue(chunks <= length + 4, "a reply of " + chunks + " chunks was still taken");
            }
            if (done) {
                Object result = assembly.result();
                if (command == Command.READ && assembly.error() == 0) {
                    ByteBuf read = (ByteBuf) result;
                    assertEquals(length, read.readableBytes(), "a successful READ carries what was asked");
                    read.release();
                } else if (result instanceof ByteBuf b) {
                    b.release();
                }
            }
        } finally {
            assembly.discard();
        }
        for (ByteBuf b : given) {
            assertEquals(0, b.refCnt(), "the assembly released every chunk's buffer");
        }
    }

    private static org.enbd.protocol.Reply reply(FuzzedDataProvider data, long offset, int length,
                                                 List<ByteBuf> given) {
        long cookie = 7;
        boolean done = data.consumeBoolean();
        long at = offset + data.consumeInt(-16, length + 16);
        return switch (data.consumeInt(0, 7)) {
            case 0 -> new ReplyChunk.Data(cookie, 0, done, at, buffer(data, data.consumeInt(0, length + 16), given));
            case 1 -> new ReplyChunk.Hole(cookie, 0, done, at, data.consumeInt(-1, length + 16));
            case 2 -> new ReplyChunk.Error(cookie, 0, done, data.consumeInt(0, 200), "", data.consumeLong());
            case 3 -> {
                List<ReplyChunk.Extent> extents = new ArrayList<>();
                for (int i = data.consumeInt(0, 8); i > 0; i--) {
                    extents.add(new ReplyChunk.Extent(data.consumeLong(-1, 2L * length), data.consumeInt()));
                }
                yield new ReplyChunk.BlockStatus(cookie, 0, done, data.consumeInt(0, 2), extents);
            }
            case 4 -> new ReplyChunk.Enbd(cookie, 0, done, ReplyType.ENBD_CONTROL, buffer(data, 16, given));
            case 5 -> new ReplyChunk.None(cookie, 0);
            case 6 -> new ReplyChunk.Unknown(cookie, 0, done, data.consumeInt(0, 0xffff), buffer(data, 8, given));
            default -> new SimpleReply(cookie, data.consumeInt(0, 3),
                    data.consumeBoolean() ? buffer(data, data.consumeInt(0, length + 1), given) : null);
        };
    }

    private static ByteBuf buffer(FuzzedDataProvider data, int size, List<ByteBuf> given) {
        ByteBuf b = Unpooled.wrappedBuffer(data.consumeBytes(size));
        if (b.capacity() == 0) {
            b = Unpooled.buffer(0); // not the shared empty buffer, whose count never drops
        }
        given.add(b);
        return b;
    }
}
