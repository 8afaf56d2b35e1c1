package org.enbd.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.EncoderException;
import io.netty.handler.codec.MessageToMessageEncoder;
import java.util.List;

/**
 * Encodes the client's transmission requests (proto.md, "Request message"; with extended headers the 32-byte
 * request: magic 0x21e41c71, flags 16, type 16, cookie 64, offset 64, length 64).
 *
 * <p>A request's payload (WRITE data, or a PAYLOAD_LEN payload under extended headers) must be exactly
 * {@code length} bytes. Buffers: the header goes into a small buffer from the channel's allocator and the payload
 * is passed on after it as it is, never copied. The written request is released by Netty as usual: the caller
 * hands its reference over with the write (retain first to keep the data for a resend).
 */
public final class RequestEncoder extends MessageToMessageEncoder<Request> {
    private boolean extended;

    /** @param extended whether NBD_OPT_EXTENDED_HEADERS was agreed */
    public RequestEncoder(boolean extended) {
        super(Request.class);
        this.extended = extended;
    }

    /** Switches between compact and extended headers; call on the channel's event loop, between requests. */
    public void setExtended(boolean extended) {
        this.extended = extended;
    }

    public boolean isExtended() {
        return extended;
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, Request r, List<Object> out) {
        ByteBuf payload = r.payload();
        if (payload != null && payload.readableBytes() != r.length()) {
            throw new EncoderException("request " + r + " carries " + payload.readableBytes() + " payload bytes for"
                    + " length " + r.length());
        }
        if (extended) {
            out.add(ctx.alloc().buffer(RequestDecoder.EXTENDED_HEADER).writeInt(NbdMagic.EXTENDED_REQUEST)
                    .writeShort(r.flags()).writeShort(r.type()).writeLong(r.cookie()).writeLong(r.offset())
                    .writeLong(r.length()));
        } else {
            if (r.length() < 0 || r.length() > 0xffffffffL) {
                throw new EncoderException("request " + r + ": length needs extended headers");
            }
            out.add(ctx.alloc().buffer(RequestDecoder.COMPACT_HEADER).writeInt(NbdMagic.REQUEST)
                    .writeShort(r.flags()).writeShort(r.type()).writeLong(r.cookie()).writeLong(r.offset())
                    .writeInt((int) r.length()));
        }
        if (payload != null && payload.isReadable()) {
            out.add(payload.retain());
        }
    }
}
