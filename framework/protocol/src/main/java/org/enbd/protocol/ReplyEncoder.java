package org.enbd.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.EncoderException;
import io.netty.handler.codec.MessageToMessageEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Encodes the server's transmission replies (proto.md, "Simple reply message", "Structured reply chunk message",
 * "Structured reply types"; with extended headers, the 32-byte chunk header: magic 0x6e8a278c, flags 16, type 16,
 * cookie 64, offset 64 = the request's offset, length 64, and NBD_REPLY_TYPE_BLOCK_STATUS_EXT with 64-bit
 * descriptors) in the {@link ReplyFormat} the handshake agreed.
 *
 * <ul>
 * <li>SIMPLE: {@link SimpleReply} only; a chunk is refused.</li>
 * <li>STRUCTURED: chunks, and simple replies without data (the spec allows them for anything but READ).</li>
 * <li>EXTENDED: chunks only; a {@link SimpleReply} is written as the equivalent final chunk (NONE for success,
 * ERROR for failure) with request offset 0, since it does not know it: send {@link ReplyChunk}s with
 * {@code requestOffset} set where the offset matters. {@link ReplyChunk.BlockStatus} goes out as
 * BLOCK_STATUS_EXT.</li>
 * </ul>
 * A simple reply with data outside SIMPLE is refused too: a READ must then be answered with chunks.
 *
 * <p>Buffers: the header (with the fixed fields of the chunk) goes into a small buffer from the channel's
 * allocator, and the data of a READ is passed on after it as it is, never copied, so a file region read into a
 * buffer reaches the socket untouched. The written message is released by Netty as usual: the caller hands its
 * reference over with the write.
 */
public final class ReplyEncoder extends MessageToMessageEncoder<Reply> {
    /** The spec's limit on strings, which error messages are cut to. */
    static final int MAX_STRING = 4096;
    private static final int SIMPLE_HEADER = 16;
    private static final int STRUCTURED_HEADER = 20;
    private static final int EXTENDED_HEADER = 32;

    private ReplyFormat format;

    public ReplyEncoder(ReplyFormat format) {
        super(Reply.class);
        this.format = format;
    }

    /** Changes the framing; call on the channel's event loop, before the first reply in the new format. */
    public void setFormat(ReplyFormat format) {
        this.format = format;
    }

    public ReplyFormat format() {
        return format;
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, Reply msg, List<Object> out) {
        switch (msg) {
            case SimpleReply r -> encodeSimple(ctx, r, out);
            case ReplyChunk c -> {
                if (format == ReplyFormat.SIMPLE) {
                    throw new EncoderException("reply chunk " + c + " on a connection without structured replies");
                }
                encodeChunk(ctx, c, out);
            }
        }
    }

    private void encodeSimple(ChannelHandlerContext ctx, SimpleReply r, List<Object> out) {
        if (r.data() != null && format != ReplyFormat.SIMPLE) {
            throw new EncoderException("simple reply with data (cookie 0x" + Long.toHexString(r.cookie())
                    + ") under " + format + " replies: a READ must be answered with chunks");
        }
        if (format == ReplyFormat.EXTENDED) {
            encodeChunk(ctx, r.error() == 0 ? new ReplyChunk.None(r.cookie(), 0)
                    : new ReplyChunk.Error(r.cookie(), 0, true, r.error(), "", -1), out);
            return;
        }
        out.add(ctx.alloc().buffer(SIMPLE_HEADER).writeInt(NbdMagic.SIMPLE_REPLY).writeInt(r.error())
                .writeLong(r.cookie()));
        if (r.data() != null && r.data().isReadable()) {
            out.add(r.data().retain());
        }
    }

    private void encodeChunk(ChannelHandlerContext ctx, ReplyChunk c, List<Object> out) {
        boolean ext = format == ReplyFormat.EXTENDED;
        switch (c) {
            case ReplyChunk.None n -> header(ctx, n, ReplyType.NONE.value(), 0, 0, out);
            case ReplyChunk.Data d -> {
                int length = d.data().readableBytes();
                if (length == 0) {
                    // the spec wants at least one byte, and clients disconnect on less: answer a 0-byte READ with NONE
                    throw new EncoderException("OFFSET_DATA chunk without data (cookie 0x"
                            + Long.toHexString(d.cookie()) + ")");
                }
                header(ctx, d, ReplyType.OFFSET_DATA.value(), 8 + (long) length, 8, out).writeLong(d.offset());
                out.add(d.data().retain());
            }
            case ReplyChunk.Hole h -> header(ctx, h, ReplyType.OFFSET_HOLE.value(), 12, 12, out)
                    .writeLong(h.offset()).writeInt(h.length());
            case ReplyChunk.BlockStatus s -> encodeBlockStatus(ctx, s, ext, out);
            case ReplyChunk.Error e -> {
                byte[] message = truncated(e.message());
                boolean withOffset = e.errorOffset() >= 0;
                int length = 6 + message.length + (withOffset ? 8 : 0);
                ByteBuf b = header(ctx, e, (withOffset ? ReplyType.ERROR_OFFSET : ReplyType.ERROR).value(), length,
                        length, out).writeInt(e.error()).writeShort(message.length).writeBytes(message);
                if (withOffset) {
                    b.writeLong(e.errorOffset());
                }
            }
            case ReplyChunk.Enbd x -> {
                int length = x.data().readableBytes();
                header(ctx, x, x.type().value(), length, 0, out);
                if (length > 0) {
                    out.add(x.data().retain());
                }
            }
            case ReplyChunk.Unknown u -> {
                int length = u.data() == null ? 0 : u.data().readableBytes();
                header(ctx, u, u.type(), length, 0, out);
                if (length > 0) {
                    out.add(u.data().retain());
                }
            }
        }
    }

    private void encodeBlockStatus(ChannelHandlerContext ctx, ReplyChunk.BlockStatus s, boolean ext,
            List<Object> out) {
        List<ReplyChunk.Extent> extents = s.extents();
        if (ext) {
            int length = 8 + 16 * extents.size();
            ByteBuf b = header(ctx, s, ReplyType.BLOCK_STATUS_EXT.value(), length, length, out)
                    .writeInt(s.contextId()).writeInt(extents.size());
            // status flags are 32 bits in this API; the wider field carries them unsigned
            extents.forEach(e -> b.writeLong(e.length()).writeLong(Integer.toUnsignedLong(e.flags())));
        } else {
            // checked before anything is added to out, so a refused chunk leaves nothing half-written
            for (ReplyChunk.Extent e : extents) {
                if (e.length() < 0 || e.length() > 0xffffffffL) {
                    throw new EncoderException("extent length " + e.length() + " does not fit BLOCK_STATUS");
                }
            }
            int length = 4 + 8 * extents.size();
            ByteBuf b = header(ctx, s, ReplyType.BLOCK_STATUS.value(), length, length, out).writeInt(s.contextId());
            extents.forEach(e -> b.writeInt((int) e.length()).writeInt(e.flags()));
        }
    }

    /**
     * Writes the chunk header for the current format into a new buffer with room for {@code fixed} more bytes,
     * adds it to {@code out} and returns it for the caller to append the fixed part of the payload.
     */
    private ByteBuf header(ChannelHandlerContext ctx, ReplyChunk c, int type, long payloadLength, int fixed,
            List<Object> out) {
        int flags = c.done() ? ReplyType.FLAG_DONE : 0;
        ByteBuf b;
        if (format == ReplyFormat.EXTENDED) {
            b = ctx.alloc().buffer(EXTENDED_HEADER + fixed).writeInt(NbdMagic.EXTENDED_REPLY).writeShort(flags)
                    .writeShort(type).writeLong(c.cookie()).writeLong(c.requestOffset()).writeLong(payloadLength);
        } else {
            if (payloadLength > 0xffffffffL) {
                throw new EncoderException("chunk payload of " + payloadLength + " bytes needs extended headers");
            }
            b = ctx.alloc().buffer(STRUCTURED_HEADER + fixed).writeInt(NbdMagic.STRUCTURED_REPLY).writeShort(flags)
                    .writeShort(type).writeLong(c.cookie()).writeInt((int) payloadLength);
        }
        out.add(b);
        return b;
    }

    /** The message as UTF-8, cut at a character boundary to the spec's 4096-byte string limit. */
    static byte[] truncated(String message) {
        String m = message == null ? "" : message;
        byte[] b = m.getBytes(StandardCharsets.UTF_8);
        while (b.length > MAX_STRING) {
            m = m.substring(0, m.length() - Math.max(1, (b.length - MAX_STRING) / 3));
            b = m.getBytes(StandardCharsets.UTF_8);
        }
        return b;
    }
}
