package org.enbd.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import org.enbd.api.layer.ExportEvent;

/**
 * ENBD-J's extension channel on the standard NBD wire: negotiated by two ENBD-J peers, never seen by a standard
 * one. Numbers are chosen far from the standard ones (ASCII "EB"), as proto.md leaves unknown values to be refused.
 *
 * <h2>Negotiation</h2>
 * The client sends option {@link #OPTION} ({@code NBD_OPT_ENBD}) with a 4-byte version ({@link #VERSION}) before
 * NBD_OPT_GO, after structured replies (or extended headers) were negotiated. An ENBD-J server answers
 * NBD_REP_ACK, or NBD_REP_ERR_INVALID without structured replies; a standard server answers NBD_REP_ERR_UNSUP and
 * the client goes without. The option runs after the server's TLS-required check like every other.
 *
 * <h2>Transmission</h2>
 * <ul>
 * <li><b>Control request</b> (client to server): request type {@link #CMD_CONTROL}, flags 0, the offset field
 *     holding the control message type (a 32-bit value), the length field the payload's length; the payload
 *     follows the header as a WRITE's does. It travels down the export's stack as
 *     {@code Layer.control(type, data)}.</li>
 * <li><b>Control reply</b> (server to client): a structured reply chunk of type {@link #REPLY_CONTROL} with
 *     NBD_REPLY_FLAG_DONE, the cookie of the request, carrying the reply bytes; a failure is an ordinary
 *     NBD_REPLY_TYPE_ERROR chunk with the errno.</li>
 * <li><b>Pushed event</b> (server to client, unasked): a structured reply chunk of type {@link #REPLY_EVENT} with
 *     NBD_REPLY_FLAG_DONE and the reserved cookie {@link #EVENT_COOKIE}, carrying an encoded
 *     {@link ExportEvent} ({@link #encodeEvent}). A client never uses that cookie for a request.</li>
 * <li><b>Writes without a reply</b> (async mode no-ack): after {@link #OPTION} the client may send option
 *     {@link #OPTION_NO_REPLY} ({@code NBD_OPT_ENBD_NO_REPLY}, no data); once the server acknowledged it, a WRITE
 *     with the command flag {@link #FLAG_NO_REPLY} is served and never answered. A FLUSH on the same connection is
 *     answered only after every such write received before it has completed, and then says whether all of them
 *     landed: it carries the first such write's error (with its range), once. A server that does not know the
 *     option answers NBD_REP_ERR_UNSUP and the client sends every write with a reply, as before.</li>
 * </ul>
 */
public final class EnbdExtension {
    /** {@code NBD_OPT_ENBD}. */
    public static final int OPTION = 0x45420001;
    /** The version this code speaks, the option's data. */
    public static final int VERSION = 1;
    /** {@code NBD_OPT_ENBD_NO_REPLY}: writes flagged {@link #FLAG_NO_REPLY} get no reply (after {@link #OPTION}). */
    public static final int OPTION_NO_REPLY = 0x45420002;
    /** The WRITE command flag: serve it, answer nothing; the next FLUSH on the connection reports its outcome. */
    public static final int FLAG_NO_REPLY = org.enbd.api.layer.RequestFlags.NO_REPLY;
    /** {@code NBD_CMD_ENBD_CONTROL}. */
    public static final int CMD_CONTROL = 0x4542;
    /** {@code NBD_REPLY_TYPE_ENBD_CONTROL}: bit 15 clear, so a decoder that does not know it sees no error. */
    public static final int REPLY_CONTROL = 0x4542;
    /** {@code NBD_REPLY_TYPE_ENBD_EVENT}. */
    public static final int REPLY_EVENT = 0x4543;
    /** The cookie of pushed events ("ENBDEVNT"). */
    public static final long EVENT_COOKIE = 0x454E424445564E54L;

    /** Control message types 0x0000-0x00FF are the engine's: {@link #CONTROL_PING} answers its data back. */
    public static final int CONTROL_PING = 0x0001;

    private static final int EVENT_SIZE = 1;
    private static final int EVENT_MEDIUM = 2;
    /** Longest medium detail sent; longer ones are cut. */
    private static final int MAX_DETAIL = 1024;

    private EnbdExtension() {
    }

    /** An event as a pushed chunk's payload: a 4-byte kind, then the kind's fields. */
    public static ByteBuf encodeEvent(ExportEvent event, ByteBufAllocator alloc) {
        return switch (event) {
            case ExportEvent.SizeChanged s -> alloc.buffer(12).writeInt(EVENT_SIZE).writeLong(s.size());
            case ExportEvent.MediumChanged m -> {
                byte[] detail = m.detail().getBytes(StandardCharsets.UTF_8);
                int n = Math.min(detail.length, MAX_DETAIL);
                yield alloc.buffer(5 + n).writeInt(EVENT_MEDIUM).writeByte(m.present() ? 1 : 0)
                        .writeBytes(detail, 0, n);
            }
        };
    }

    /**
     * The event in a pushed chunk's payload.
     *
     * @throws IllegalArgumentException when the payload is not an event this version knows (the client logs it
     *                                  and goes on: a newer server may push kinds it does not know)
     */
    public static ExportEvent decodeEvent(ByteBuf payload) {
        if (payload.readableBytes() < 4) {
            throw new IllegalArgumentException("event of " + payload.readableBytes() + " bytes");
        }
        int kind = payload.getInt(payload.readerIndex());
        int body = payload.readableBytes() - 4;
        return switch (kind) {
            case EVENT_SIZE -> {
                if (body != 8) {
                    throw new IllegalArgumentException("size event with " + body + " bytes");
                }
                long size = payload.getLong(payload.readerIndex() + 4);
                if (size < 0) {
                    throw new IllegalArgumentException("size event with size " + Long.toUnsignedString(size));
                }
                yield new ExportEvent.SizeChanged(size);
            }
            case EVENT_MEDIUM -> {
                if (body < 1 || body > 1 + MAX_DETAIL) {
                    throw new IllegalArgumentException("medium event with " + body + " bytes");
                }
                boolean present = payload.getByte(payload.readerIndex() + 4) != 0;
                yield new ExportEvent.MediumChanged(present,
                        payload.toString(payload.readerIndex() + 5, body - 1, StandardCharsets.UTF_8));
            }
            default -> throw new IllegalArgumentException("unknown event kind " + kind);
        };
    }
}
