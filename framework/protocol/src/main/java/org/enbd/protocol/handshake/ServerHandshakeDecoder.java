package org.enbd.protocol.handshake;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import java.util.List;
import org.enbd.protocol.NbdMagic;
import org.enbd.protocol.handshake.HandshakeMessage.ClientFlags;
import org.enbd.protocol.handshake.HandshakeMessage.OptionRequest;

/**
 * Decodes what a client sends in the fixed newstyle handshake (proto.md, "Newstyle negotiation" and "Fixed
 * newstyle negotiation"): first its 32-bit flags as {@link ClientFlags}, then any number of options as
 * {@link OptionRequest}s.
 *
 * <p>Option data up to {@code maxOptionLength} bytes arrives as a retained slice of the received bytes (an empty
 * unpooled buffer for no data); the handler that receives the request owns it and releases it. Longer options are
 * skipped as they arrive, without allocating, and arrive as {@code OptionRequest(option, null, true)} so the
 * server can answer NBD_REP_ERR_TOO_BIG and go on. A wrong option magic fails the decoder with a
 * {@link CorruptedFrameException} and every later byte is dropped: the handler closes the connection.
 *
 * <p>When the handshake ends (NBD_OPT_GO acknowledged, or NBD_OPT_EXPORT_NAME answered) the handler replaces this
 * decoder with the transmission codec; bytes already received are handed on to it by {@link ByteToMessageDecoder}.
 */
public final class ServerHandshakeDecoder extends ByteToMessageDecoder {
    /** The default limit on option data: far more than any option ENBD-J understands needs. */
    public static final int DEFAULT_MAX_OPTION_LENGTH = 64 * 1024;

    private static final int OPTION_HEADER_LENGTH = 16;

    private enum State { CLIENT_FLAGS, OPTION_HEADER, OPTION_DATA, DISCARD_OPTION, FAILED }

    private final int maxOptionLength;
    private State state = State.CLIENT_FLAGS;
    /** While held, bytes accumulate undecoded (the server opens an export off the event loop). */
    private boolean held;
    private int option;
    /** Data bytes of the current option still to read or to skip. */
    private long remaining;

    public ServerHandshakeDecoder() {
        this(DEFAULT_MAX_OPTION_LENGTH);
    }

    /** @param maxOptionLength the largest option data accepted; larger options are skipped and marked tooBig */
    public ServerHandshakeDecoder(int maxOptionLength) {
        if (maxOptionLength < 0) {
            throw new IllegalArgumentException("maxOptionLength " + maxOptionLength);
        }
        this.maxOptionLength = maxOptionLength;
    }

    /**
     * Stops decoding until {@link #resume}: bytes that arrive meanwhile are kept as they are. The server holds the
     * decoder while it opens an export for NBD_OPT_GO off the event loop, since what follows a GO may be the first
     * transmission requests, which must reach the request decoder, not be read as options.
     */
    public void hold() {
        held = true;
    }

    /** Decodes again, starting with the bytes kept while held. Call on the channel's event loop. */
    public void resume(ChannelHandlerContext ctx) throws Exception {
        held = false;
        channelRead(ctx, Unpooled.EMPTY_BUFFER);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (held) {
            return;
        }
        switch (state) {
            case CLIENT_FLAGS -> {
                if (in.readableBytes() >= 4) {
                    out.add(new ClientFlags(in.readInt()));
                    state = State.OPTION_HEADER;
                }
            }
            case OPTION_HEADER -> {
                if (in.readableBytes() >= OPTION_HEADER_LENGTH) {
                    readOptionHeader(in, out);
                }
            }
            case OPTION_DATA -> {
                if (in.readableBytes() >= remaining) {
                    out.add(new OptionRequest(option, in.readRetainedSlice((int) remaining), false));
                    state = State.OPTION_HEADER;
                }
            }
            case DISCARD_OPTION -> {
                int skip = (int) Math.min(remaining, in.readableBytes());
                in.skipBytes(skip);
                remaining -= skip;
                if (remaining == 0) {
                    out.add(new OptionRequest(option, null, true));
                    state = State.OPTION_HEADER;
                }
            }
            case FAILED -> in.skipBytes(in.readableBytes());
        }
    }

    private void readOptionHeader(ByteBuf in, List<Object> out) {
        long magic = in.readLong();
        if (magic != NbdMagic.IHAVEOPT) {
            state = State.FAILED;
            in.skipBytes(in.readableBytes());
            throw new CorruptedFrameException("option without IHAVEOPT magic: 0x" + Long.toHexString(magic));
        }
        option = in.readInt();
        remaining = in.readUnsignedInt();
        if (remaining == 0) {
            out.add(new OptionRequest(option, Unpooled.EMPTY_BUFFER, false));
        } else if (remaining > maxOptionLength) {
            state = State.DISCARD_OPTION;
        } else {
            state = State.OPTION_DATA;
        }
    }
}
