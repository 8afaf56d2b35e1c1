package org.enbd.protocol.handshake;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import java.util.List;
import org.enbd.protocol.NbdMagic;
import org.enbd.protocol.handshake.HandshakeMessage.ExportNameReply;
import org.enbd.protocol.handshake.HandshakeMessage.OptionReply;
import org.enbd.protocol.handshake.HandshakeMessage.ServerGreeting;

/**
 * Decodes what a server sends in the fixed newstyle handshake (proto.md, "Newstyle negotiation" and "Fixed
 * newstyle negotiation"): the {@link ServerGreeting}, then {@link OptionReply}s, and after
 * {@link #expectExportNameReply} the {@link ExportNameReply} that answers NBD_OPT_EXPORT_NAME, which has no
 * option reply header.
 *
 * <p>An oldstyle server (the CLISERV magic after NBDMAGIC) is refused with a clear error, as is anything that is
 * not an NBD server or a reply longer than {@code maxReplyLength}: each fails the decoder with a
 * {@link CorruptedFrameException} (or {@link TooLongFrameException}) and every later byte is dropped.
 *
 * <p>Buffers: reply data arrives as a retained slice of the received bytes (null when the reply has none); the
 * handler that receives the reply owns it and releases it.
 */
public final class ClientHandshakeDecoder extends ByteToMessageDecoder {
    /** The default limit on reply data; NBD_REP_SERVER and NBD_REP_INFO are far smaller. */
    public static final int DEFAULT_MAX_REPLY_LENGTH = 64 * 1024;

    private static final int GREETING_LENGTH = 18;
    private static final int REPLY_HEADER_LENGTH = 20;
    private static final int EXPORT_NAME_REPLY_LENGTH = 10;

    private enum State { GREETING, REPLY_HEADER, REPLY_DATA, EXPORT_NAME_REPLY, DONE, FAILED }

    private final int maxReplyLength;
    private State state = State.GREETING;
    private boolean zeroes;
    private int option;
    private int replyType;
    private int length;

    public ClientHandshakeDecoder() {
        this(DEFAULT_MAX_REPLY_LENGTH);
    }

    /** @param maxReplyLength the largest option reply data accepted */
    public ClientHandshakeDecoder(int maxReplyLength) {
        this.maxReplyLength = maxReplyLength;
    }

    /**
     * Tells the decoder that the next thing the server sends answers NBD_OPT_EXPORT_NAME; call on the event loop
     * before writing that option.
     *
     * @param zeroes whether the 124 zero bytes follow (NO_ZEROES was not agreed)
     */
    public void expectExportNameReply(boolean zeroes) {
        if (state != State.REPLY_HEADER) {
            throw new IllegalStateException("an export name reply cannot be expected in state " + state);
        }
        this.zeroes = zeroes;
        state = State.EXPORT_NAME_REPLY;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        switch (state) {
            case GREETING -> {
                if (in.readableBytes() >= GREETING_LENGTH) {
                    readGreeting(in, out);
                }
            }
            case REPLY_HEADER -> {
                if (in.readableBytes() >= REPLY_HEADER_LENGTH) {
                    readReplyHeader(in, out);
                }
            }
            case REPLY_DATA -> {
                if (in.readableBytes() >= length) {
                    out.add(new OptionReply(option, replyType, in.readRetainedSlice(length)));
                    state = State.REPLY_HEADER;
                }
            }
            case EXPORT_NAME_REPLY -> {
                int needed = EXPORT_NAME_REPLY_LENGTH + (zeroes ? HandshakeEncoder.EXPORT_NAME_ZEROES : 0);
                if (in.readableBytes() >= needed) {
                    long size = in.readLong();
                    int flags = in.readUnsignedShort();
                    in.skipBytes(needed - EXPORT_NAME_REPLY_LENGTH);
                    out.add(new ExportNameReply(size, flags, zeroes));
                    // transmission follows: bytes after this wait for the reply decoder that replaces this one
                    state = State.DONE;
                }
            }
            case DONE -> {
            }
            case FAILED -> in.skipBytes(in.readableBytes());
        }
    }

    private void readGreeting(ByteBuf in, List<Object> out) {
        long magic = in.readLong();
        long second = in.readLong();
        if (magic != NbdMagic.NBDMAGIC) {
            fail(in, "not an NBD server: greeting starts with 0x" + Long.toHexString(magic) + ", not NBDMAGIC");
        }
        if (second == NbdMagic.CLISERV) {
            fail(in, "the server uses the oldstyle handshake, which ENBD-J does not support (newstyle needed)");
        }
        if (second != NbdMagic.IHAVEOPT) {
            fail(in, "unknown handshake magic 0x" + Long.toHexString(second) + " after NBDMAGIC");
        }
        out.add(new ServerGreeting(in.readUnsignedShort()));
        state = State.REPLY_HEADER;
    }

    private void readReplyHeader(ByteBuf in, List<Object> out) {
        long magic = in.readLong();
        if (magic != NbdMagic.OPTION_REPLY) {
            fail(in, "option reply with bad magic 0x" + Long.toHexString(magic));
        }
        option = in.readInt();
        replyType = in.readInt();
        long dataLength = in.readUnsignedInt();
        if (dataLength > maxReplyLength) {
            state = State.FAILED;
            in.skipBytes(in.readableBytes());
            throw new TooLongFrameException("option reply of " + dataLength + " bytes to option " + option
                    + " exceeds the limit of " + maxReplyLength);
        }
        if (dataLength == 0) {
            out.add(new OptionReply(option, replyType, null));
        } else {
            length = (int) dataLength;
            state = State.REPLY_DATA;
        }
    }

    private void fail(ByteBuf in, String message) {
        state = State.FAILED;
        in.skipBytes(in.readableBytes());
        throw new CorruptedFrameException(message);
    }
}
