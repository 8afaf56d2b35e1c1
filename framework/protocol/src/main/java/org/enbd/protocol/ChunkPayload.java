package org.enbd.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.CorruptedFrameException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The payloads of structured reply chunks (proto.md, "Structured reply types", and BLOCK_STATUS_EXT of extended
 * headers: context id 32, descriptor count 32, descriptors of length 64 + status flags 64), each length checked
 * against what its type allows. Used by {@link ReplyDecoder} once a whole payload has arrived.
 *
 * <p>Buffers: {@code payload} is a slice the caller keeps; data handed out (OFFSET_DATA, unknown types) is a
 * retained slice of it that the receiver of the chunk releases.
 */
final class ChunkPayload {
    private ChunkPayload() {
    }

    static ReplyChunk decode(int type, long cookie, long requestOffset, boolean done, ByteBuf payload) {
        int length = payload.readableBytes();
        ReplyType known = ReplyType.fromValue(type);
        if (known == null) {
            return new ReplyChunk.Unknown(cookie, requestOffset, done, type, payload.readRetainedSlice(length));
        }
        return switch (known) {
            case NONE -> {
                expect(known, length == 0, length, "0");
                if (!done) {
                    throw new CorruptedFrameException("NBD_REPLY_TYPE_NONE without NBD_REPLY_FLAG_DONE (cookie 0x"
                            + Long.toHexString(cookie) + ")");
                }
                yield new ReplyChunk.None(cookie, requestOffset);
            }
            case OFFSET_DATA -> {
                expect(known, length > 8, length, "at least 9");
                long offset = payload.readLong();
                yield new ReplyChunk.Data(cookie, requestOffset, done, offset, payload.readRetainedSlice(length - 8));
            }
            case OFFSET_HOLE -> {
                expect(known, length == 12, length, "12");
                long offset = payload.readLong();
                long holeLength = payload.readUnsignedInt();
                // The wire field is unsigned 32 bits; a hole sits inside one read, and no read this decoder
                // serves reaches 2 GiB, so a longer one is a lying server, refused here before the int narrows.
                if (holeLength > Integer.MAX_VALUE) {
                    throw new CorruptedFrameException("NBD_REPLY_TYPE_OFFSET_HOLE of " + holeLength
                            + " bytes (cookie 0x" + Long.toHexString(cookie) + "), longer than any read");
                }
                yield new ReplyChunk.Hole(cookie, requestOffset, done, offset, (int) holeLength);
            }
            case BLOCK_STATUS -> {
                expect(known, length >= 12 && (length - 4) % 8 == 0, length, "4 + a positive multiple of 8");
                int context = payload.readInt();
                List<ReplyChunk.Extent> extents = new ArrayList<>((length - 4) / 8);
                while (payload.isReadable()) {
                    extents.add(new ReplyChunk.Extent(payload.readUnsignedInt(), payload.readInt()));
                }
                yield new ReplyChunk.BlockStatus(cookie, requestOffset, done, context, extents);
            }
            case BLOCK_STATUS_EXT -> {
                expect(known, length >= 24 && (length - 8) % 16 == 0, length, "8 + a positive multiple of 16");
                int context = payload.readInt();
                long count = payload.readUnsignedInt();
                expect(known, count == (length - 8) / 16, length, "8 + 16 * its count of " + count);
                List<ReplyChunk.Extent> extents = new ArrayList<>((int) count);
                while (payload.isReadable()) {
                    long extentLength = payload.readLong();
                    extents.add(new ReplyChunk.Extent(extentLength, (int) payload.readLong()));
                }
                yield new ReplyChunk.BlockStatus(cookie, requestOffset, done, context, extents);
            }
            case ENBD_CONTROL, ENBD_EVENT -> new ReplyChunk.Enbd(cookie, requestOffset, done, known,
                    payload.readRetainedSlice(length));
            case ERROR, ERROR_OFFSET -> {
                int fixed = known == ReplyType.ERROR ? 6 : 14;
                expect(known, length >= fixed, length, "at least " + fixed);
                int error = payload.readInt();
                int messageLength = payload.readUnsignedShort();
                expect(known, length == fixed + messageLength, length, fixed + " + its message length "
                        + messageLength);
                String message = payload.readCharSequence(messageLength, StandardCharsets.UTF_8).toString();
                long errorOffset = known == ReplyType.ERROR ? -1 : payload.readLong();
                yield new ReplyChunk.Error(cookie, requestOffset, done, error, message, errorOffset);
            }
        };
    }

    private static void expect(ReplyType type, boolean ok, int length, String allowed) {
        if (!ok) {
            throw new CorruptedFrameException("NBD_REPLY_TYPE_" + type + " chunk of length " + length + ", the spec"
                    + " allows " + allowed);
        }
    }
}
