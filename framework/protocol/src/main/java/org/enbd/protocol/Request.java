package org.enbd.protocol;

import io.netty.buffer.ByteBuf;

/**
 * A transmission request (proto.md, "Request message"), compact or extended header alike.
 *
 * @param flags   command flags (see {@code org.enbd.api.layer.RequestFlags})
 * @param type    the request type as sent; {@link #command()} is null for unknown types
 * @param cookie  the client's handle, echoed in the reply
 * @param offset  byte offset, unsigned on the wire
 * @param length  length, unsigned (32 bits compact, 64 bits extended)
 * @param payload the data of a WRITE (or of a request with PAYLOAD_LEN), or null. A WRITE whose length exceeds
 *                the decoder's limit arrives with a null payload: its bytes were read and dropped so the stream
 *                stays in step, and the server answers it with an error instead of closing the connection.
 */
public record Request(int flags, int type, long cookie, long offset, long length, ByteBuf payload)
        implements PayloadMessage {

    /** The request type, or null when the client sent one this protocol version does not know. */
    public Command command() {
        return Command.fromValue(type);
    }

    /** A request without payload. */
    public static Request of(Command command, int flags, long cookie, long offset, long length) {
        return new Request(flags, command.value(), cookie, offset, length, null);
    }

    @Override
    public String toString() {
        Command c = command();
        return (c == null ? "type " + type : c.name()) + " cookie=" + Long.toHexString(cookie) + " offset=" + offset
                + " length=" + length + " flags=0x" + Integer.toHexString(flags)
                + (payload == null ? "" : " payload=" + payload.readableBytes());
    }
}
