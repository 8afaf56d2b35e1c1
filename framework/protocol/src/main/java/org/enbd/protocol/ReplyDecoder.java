package org.enbd.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import java.util.List;
import java.util.function.LongToIntFunction;

/**
 * Decodes the server's transmission replies (proto.md, "Simple reply message", "Structured reply chunk message",
 * "Structured reply types"; with extended headers, the 32-byte chunk header: magic 0x6e8a278c, flags 16, type 16,
 * cookie 64, offset 64, length 64, and BLOCK_STATUS_EXT). The magic of each reply says its framing, so one
 * decoder reads every format and needs no switching.
 *
 * <p>A simple reply does not say how much data follows it: on success it is as long as the READ it answers, so
 * the constructor takes {@code readLengthOf(cookie)}, the number of data bytes that follow a successful simple
 * reply for that cookie (0 when the request was not a READ). It is called on the event loop when the reply's
 * header has arrived.
 *
 * <p>Chunks decode into {@link ReplyChunk} records: OFFSET_DATA as {@link ReplyChunk.Data}, OFFSET_HOLE as
 * {@link ReplyChunk.Hole}, BLOCK_STATUS and BLOCK_STATUS_EXT as {@link ReplyChunk.BlockStatus} (64-bit status
 * flags keep their low 32 bits, all that any defined context uses), ERROR and ERROR_OFFSET as
 * {@link ReplyChunk.Error} ({@code errorOffset} -1 for ERROR), and other types as {@link ReplyChunk.Unknown} with
 * the raw payload, for the client to treat as an error (bit 15 set) or to disconnect. {@code requestOffset} is
 * the header's offset under extended headers and 0 otherwise.
 *
 * <p>Buffers: the data of a simple reply, an OFFSET_DATA chunk or an unknown chunk is a retained slice of the
 * received bytes; the handler that receives the reply owns it and releases it. Every payload length is checked
 * against {@code maxPayload} before anything waits for it; a longer one, a bad magic or a chunk whose length
 * does not fit its type fails the decoder ({@link CorruptedFrameException} or {@link TooLongFrameException}) and
 * every later byte is dropped: the spec asks for a hard disconnect.
 */
public final class ReplyDecoder extends ByteToMessageDecoder {
    private static final int SIMPLE_HEADER = 16;
    private static final int STRUCTURED_HEADER = 20;
    private static final int EXTENDED_HEADER = 32;

    private enum State { HEADER, SIMPLE_DATA, CHUNK_PAYLOAD, FAILED }

    private final LongToIntFunction readLengthOf;
    private final int maxPayload;
    private State state = State.HEADER;
    private long cookie;
    private int flags;
    private int type;
    private long requestOffset;
    private int length;

    /**
     * @param readLengthOf for a cookie, how many data bytes follow a successful simple reply (0 if not a READ)
     * @param maxPayload   the largest simple reply data or chunk payload accepted; pass the largest read the
     *                     client issues plus room for a chunk's fixed fields and an error message (4096 + 64)
     */
    public ReplyDecoder(LongToIntFunction readLengthOf, int maxPayload) {
        this.readLengthOf = readLengthOf;
        this.maxPayload = maxPayload;
        // As RequestDecoder does for WRITE payloads: a 1 MiB READ reply arrives in many socket reads, and the
        // default cumulator copied them into one growing buffer, which past the adaptive allocator's largest pooled
        // size (1 MiB) is a new zeroed allocateDirect per reply: JFR of the client engine relaying nbdcopy reads had
        // 59 % of its samples zeroing those buffers and 18 % more copying into them. The data handed out is a
        // retained slice of the components instead.
        setCumulator(COMPOSITE_CUMULATOR);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        switch (state) {
            case HEADER -> readHeader(in, out);
            case SIMPLE_DATA -> {
                if (in.readableBytes() >= length) {
                    out.add(new SimpleReply(cookie, 0, in.readRetainedSlice(length)));
                    state = State.HEADER;
                }
            }
            case CHUNK_PAYLOAD -> {
                if (in.readableBytes() >= length) {
                    readChunkPayload(in, out);
                }
            }
            case FAILED -> in.skipBytes(in.readableBytes());
        }
    }

    private void readHeader(ByteBuf in, List<Object> out) {
        if (in.readableBytes() < 4) {
            return;
        }
        int magic = in.getInt(in.readerIndex());
        switch (magic) {
            case NbdMagic.SIMPLE_REPLY -> {
                if (in.readableBytes() >= SIMPLE_HEADER) {
                    in.skipBytes(4);
                    int error = in.readInt();
                    cookie = in.readLong();
                    int dataLength = error == 0 ? readLengthOf.applyAsInt(cookie) : 0;
                    if (dataLength == 0) {
                        out.add(new SimpleReply(cookie, error, null));
                    } else {
                        length = checkLength(in, dataLength, "simple reply data");
                        state = State.SIMPLE_DATA;
                    }
                }
            }
            case NbdMagic.STRUCTURED_REPLY -> {
                if (in.readableBytes() >= STRUCTURED_HEADER) {
                    in.skipBytes(4);
                    chunkHeader(in);
                    requestOffset = 0;
                    startChunk(in, out, in.readUnsignedInt());
                }
            }
            case NbdMagic.EXTENDED_REPLY -> {
                if (in.readableBytes() >= EXTENDED_HEADER) {
                    in.skipBytes(4);
                    chunkHeader(in);
                    requestOffset = in.readLong();
                    startChunk(in, out, in.readLong());
                }
            }
            default -> {
                fail(in);
                throw new CorruptedFrameException("bad reply magic 0x" + Integer.toHexString(magic));
            }
        }
    }

    private void chunkHeader(ByteBuf in) {
        flags = in.readUnsignedShort();
        type = in.readUnsignedShort();
        cookie = in.readLong();
    }

    private void startChunk(ByteBuf in, List<Object> out, long payloadLength) {
        length = checkLength(in, payloadLength, "chunk payload of type " + type);
        state = State.CHUNK_PAYLOAD;
        if (length == 0) {
            // ByteToMessageDecoder calls decode only while bytes remain: an empty chunk must come out now
            readChunkPayload(in, out);
        }
    }

    private void readChunkPayload(ByteBuf in, List<Object> out) {
        ByteBuf payload = in.readSlice(length);
        state = State.HEADER;
        try {
            out.add(ChunkPayload.decode(type, cookie, requestOffset, (flags & ReplyType.FLAG_DONE) != 0, payload));
        } catch (CorruptedFrameException e) {
            fail(in);
            throw e;
        }
    }

    private int checkLength(ByteBuf in, long n, String what) {
        if (n < 0 || n > maxPayload) {
            fail(in);
            throw new TooLongFrameException(what + " of " + Long.toUnsignedString(n) + " bytes (cookie 0x"
                    + Long.toHexString(cookie) + ") exceeds the limit of " + maxPayload);
        }
        return (int) n;
    }

    private void fail(ByteBuf in) {
        state = State.FAILED;
        in.skipBytes(in.readableBytes());
    }
}
