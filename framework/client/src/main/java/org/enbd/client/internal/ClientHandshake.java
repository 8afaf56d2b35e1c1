package org.enbd.client.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.enbd.api.NbdError;
import org.enbd.api.layer.BlockSizes;
import org.enbd.api.stream.StreamSecurity;
import org.enbd.protocol.EnbdExtension;
import org.enbd.protocol.HandshakeFlags;
import org.enbd.protocol.InfoType;
import org.enbd.protocol.OptionReplyType;
import org.enbd.protocol.OptionType;
import org.enbd.protocol.handshake.ClientHandshakeDecoder;
import org.enbd.protocol.handshake.ExportRequest;
import org.enbd.protocol.handshake.HandshakeMessage;
import org.enbd.protocol.handshake.HandshakeMessage.ClientFlags;
import org.enbd.protocol.handshake.HandshakeMessage.ExportNameReply;
import org.enbd.protocol.handshake.HandshakeMessage.OptionReply;
import org.enbd.protocol.handshake.HandshakeMessage.OptionRequest;
import org.enbd.protocol.handshake.HandshakeMessage.ServerGreeting;
import org.enbd.protocol.handshake.InfoReply;
import org.enbd.protocol.handshake.MetaContextReply;
import org.enbd.protocol.handshake.MetaContextRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's side of the fixed newstyle handshake: NBD_OPT_STRUCTURED_REPLY, NBD_OPT_SET_META_CONTEXT
 * {@code base:allocation}, NBD_OPT_ENBD (ENBD-J's extension channel, {@link EnbdExtension}), then NBD_OPT_GO
 * asking for NBD_INFO_BLOCK_SIZE; NBD_OPT_EXPORT_NAME when the server is not fixed newstyle or does not know
 * NBD_OPT_GO. NBD_OPT_ENBD is asked only once structured replies were agreed, and any answer but NBD_REP_ACK
 * (a standard server's NBD_REP_ERR_UNSUP) leaves the connection without the extension and changes nothing else.
 * Completes {@code result} with the {@link Session}, after which the caller swaps the handshake codec for the
 * transmission codec; or with a {@link HandshakeFailure}.
 *
 * <p>TLS ({@code nbds://}): NBD_OPT_STARTTLS goes first; when its ACK arrives the TLS handler goes in at the head of
 * the pipeline, before anything else is read, and the options above follow once the TLS handshake has completed.
 * Nothing falls back to plaintext: a server that answers STARTTLS with anything but ACK, is not fixed newstyle, or
 * whose certificate or key exchange fails is refused for good (fatal). Only a connection lost during the TLS
 * handshake is the network's, retried like any other.
 */
final class ClientHandshake extends SimpleChannelInboundHandler<HandshakeMessage> {
    static final String ALLOCATION = "base:allocation";
    private static final Logger LOG = LoggerFactory.getLogger(ClientHandshake.class);

    private enum Step { GREETING, STARTTLS, TLS, STRUCTURED, META, ENBD, NO_REPLY, GO, EXPORT_NAME }

    private final String exportName;
    private final boolean tlsRequired;
    private final StreamSecurity tls;
    private final String serverName;
    private final ClientHandshakeDecoder decoder;
    private final CompletableFuture<Session> result;
    private Step step = Step.GREETING;
    private boolean noZeroes;
    private boolean structured;
    private int allocationContext = -1;
    private long size = -1;
    private int flags;
    private BlockSizes blockSizes = BlockSizes.DEFAULT;
    private String canonicalName;
    private String description = "";
    private boolean enbd;
    private boolean noReply;

    /**
     * @param tls        the loaded TLS credentials when the URI asks for TLS, else null
     * @param serverName the host the server's certificate must name (null: a Unix socket, the chain alone)
     */
    ClientHandshake(String exportName, boolean tlsRequired, StreamSecurity tls, String serverName,
                    ClientHandshakeDecoder decoder, CompletableFuture<Session> result) {
        super(HandshakeMessage.class, false);
        this.exportName = exportName;
        this.tlsRequired = tlsRequired;
        this.tls = tls;
        this.serverName = serverName;
        this.decoder = decoder;
        this.result = result;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, HandshakeMessage msg) {
        try {
            switch (msg) {
                case ServerGreeting g -> greeting(ctx, g);
                case OptionReply r -> optionReply(ctx, r);
                case ExportNameReply e -> {
                    size = e.size();
                    flags = e.transmissionFlags();
                    done();
                }
                default -> throw new HandshakeFailure(true, NbdError.EIO, "unexpected handshake message " + msg);
            }
        } catch (HandshakeFailure f) {
            fail(ctx, f);
        } catch (RuntimeException e) {
            fail(ctx, new HandshakeFailure(true, NbdError.EIO, "malformed handshake reply: " + e.getMessage()));
        } finally {
            msg.release();
        }
    }

    private void greeting(ChannelHandlerContext ctx, ServerGreeting g) throws HandshakeFailure {
        if (tlsRequired && tls == null) {
            throw new HandshakeFailure(true, NbdError.EPERM, "the URI asks for TLS (nbds), and no TLS provider is "
                    + "installed (the transport-ssl bundle)");
        }
        boolean fixed = (g.flags() & HandshakeFlags.FIXED_NEWSTYLE) != 0;
        if (tlsRequired && !fixed) {
            throw new HandshakeFailure(true, NbdError.EPERM, "the URI asks for TLS (nbds), and the server is not "
                    + "fixed newstyle, so it cannot do NBD_OPT_STARTTLS; not connecting in clear");
        }
        noZeroes = (g.flags() & HandshakeFlags.NO_ZEROES) != 0;
        ctx.write(new ClientFlags((fixed ? HandshakeFlags.FIXED_NEWSTYLE : 0)
                | (noZeroes ? HandshakeFlags.NO_ZEROES : 0)));
        if (!fixed) {
            exportNameOption(ctx);
        } else if (tlsRequired) {
            step = Step.STARTTLS;
            ctx.writeAndFlush(new OptionRequest(OptionType.STARTTLS.value(), null, false));
        } else {
            structuredReply(ctx);
        }
    }

    private void structuredReply(ChannelHandlerContext ctx) {
        step = Step.STRUCTURED;
        ctx.writeAndFlush(new OptionRequest(OptionType.STRUCTURED_REPLY.value(), null, false));
    }

    /**
     * The server said ACK to STARTTLS: the TLS handler goes in at the head of the pipeline now, inside this read,
     * so the next bytes the server sends (its side of the TLS handshake) reach it first.
     */
    private void startTls(ChannelHandlerContext ctx, OptionReply r, OptionReplyType type) throws HandshakeFailure {
        if (type != OptionReplyType.ACK) {
            throw new HandshakeFailure(true, NbdError.EPERM, "the server does not do TLS: it answered "
                    + "NBD_OPT_STARTTLS with " + name(type, r) + message(r)
                    + "; the URI asks for TLS (nbds), so not connecting in clear");
        }
        try {
            ctx.pipeline().addFirst("nbd-tls", tls.newHandler(ctx.channel(), StreamSecurity.Role.CLIENT, serverName));
        } catch (IOException | RuntimeException e) {
            throw new HandshakeFailure(true, NbdError.EPERM, "cannot start TLS: " + e.getMessage());
        }
        step = Step.TLS;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (!(event instanceof SslHandshakeCompletionEvent done) || step != Step.TLS) {
            super.userEventTriggered(ctx, event);
            return;
        }
        if (done.isSuccess()) {
            LOG.debug("{}: TLS up", ctx.channel());
            structuredReply(ctx);
            return;
        }
        // refused certificates, alerts and key exchange failures are the peer's answer, and retrying gets the same
        // one; a connection lost mid-handshake (closed before the failure was told, or timed out) is the network's
        Throwable cause = done.cause();
        boolean refused = cause instanceof javax.net.ssl.SSLException && ctx.channel().isActive()
                && !(cause instanceof SslHandshakeTimeoutException);
        String why = "TLS handshake with the server failed: " + reason(cause);
        fail(ctx, refused ? new HandshakeFailure(true, NbdError.EPERM, why)
                : cause instanceof SslHandshakeTimeoutException ? new HandshakeFailure(false, NbdError.EIO, why)
                : HandshakeFailure.closedInTls(why));
    }

    /** The failure and what caused it, each message once. */
    private static String reason(Throwable cause) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
            if (text.indexOf(message) < 0) {
                text.append(text.isEmpty() ? "" : ": ").append(message);
            }
        }
        return text.toString();
    }

    private void optionReply(ChannelHandlerContext ctx, OptionReply r) throws HandshakeFailure {
        OptionReplyType type = OptionReplyType.fromValue(r.replyType());
        boolean error = r.replyType() < 0;
        switch (step) {
            case STARTTLS -> startTls(ctx, r, type);
            case STRUCTURED -> {
                if (error) {
                    refuseIfFatal(r, type, "NBD_OPT_STRUCTURED_REPLY");
                    go(ctx);
                } else if (type == OptionReplyType.ACK) {
                    structured = true;
                    step = Step.META;
                    ctx.writeAndFlush(new MetaContextRequest(exportName, List.of(ALLOCATION))
                            .request(OptionType.SET_META_CONTEXT, ctx.alloc()));
                }
            }
            case META -> {
                if (type == OptionReplyType.META_CONTEXT && r.data() != null) {
                    MetaContextReply m = MetaContextReply.parse(r.data());
                    if (ALLOCATION.equals(m.name())) {
                        allocationContext = m.id();
                    }
                } else if (error || type == OptionReplyType.ACK) {
                    if (error) {
                        refuseIfFatal(r, type, "NBD_OPT_SET_META_CONTEXT");
                        allocationContext = -1;
                    }
                    askEnbd(ctx);
                }
            }
            case ENBD -> {
                if (type == OptionReplyType.ACK) {
                    enbd = true;
                    askNoReply(ctx);
                } else if (error) {
                    LOG.debug("{}: no ENBD extension ({}{}); going on as a standard NBD client", ctx.channel(),
                            name(type, r), message(r));
                    go(ctx);
                }
            }
            case NO_REPLY -> {
                if (type == OptionReplyType.ACK) {
                    noReply = true;
                    go(ctx);
                } else if (error) {
                    LOG.debug("{}: every write answered ({}{}): an ENBD-J server of before writes without replies",
                            ctx.channel(), name(type, r), message(r));
                    go(ctx);
                }
            }
            case GO -> {
                if (type == OptionReplyType.INFO && r.data() != null) {
                    info(InfoReply.parse(r.data()));
                } else if (type == OptionReplyType.ACK) {
                    if (size < 0) {
                        throw new HandshakeFailure(true, NbdError.EIO, "server accepted NBD_OPT_GO without "
                                + "NBD_INFO_EXPORT");
                    }
                    done();
                } else if (type == OptionReplyType.ERR_UNSUP) {
                    exportNameOption(ctx);
                } else if (error) {
                    refuseIfFatal(r, type, "NBD_OPT_GO");
                    throw new HandshakeFailure(false, NbdError.EIO, "server answered NBD_OPT_GO with "
                            + name(type, r) + message(r));
                }
            }
            default -> throw new HandshakeFailure(true, NbdError.EIO, "option reply in step " + step);
        }
    }

    private void info(InfoReply info) {
        switch (info) {
            case InfoReply.Export e -> {
                size = e.size();
                flags = e.transmissionFlags();
            }
            case InfoReply.BlockSize b -> {
                try {
                    int max = Math.max(b.maximumPayload(), b.preferred());
                    max = max < 0 ? Integer.MAX_VALUE & ~(b.minimum() - 1) : max - max % Math.max(1, b.minimum());
                    blockSizes = new BlockSizes(Math.max(1, b.minimum()), Math.max(b.preferred(), b.minimum()), max);
                } catch (IllegalArgumentException ignored) {
                    blockSizes = BlockSizes.DEFAULT;
                }
            }
            case InfoReply.Name n -> canonicalName = n.name();
            case InfoReply.Description d -> description = d.description();
            case InfoReply.Unknown u -> { }
        }
    }

    /** Authentication and authorisation failures, and a missing export, end the device at once. */
    private void refuseIfFatal(OptionReply r, OptionReplyType type, String option) throws HandshakeFailure {
        if (type == null) {
            return;
        }
        String why = switch (type) {
            case ERR_POLICY -> "refused by the server's policy (NBD_REP_ERR_POLICY) for " + option;
            case ERR_TLS_REQD -> "the server requires TLS (NBD_REP_ERR_TLS_REQD): use an nbds:// URI with "
                    + "?tls-certificates=DIR or ?tls-psk-file=FILE";
            case ERR_UNKNOWN -> "the server has no export named '" + exportName + "' (NBD_REP_ERR_UNKNOWN)";
            case ERR_PLATFORM -> "the server cannot do " + option + " on its platform (NBD_REP_ERR_PLATFORM)";
            default -> null;
        };
        if (why != null) {
            throw new HandshakeFailure(true, type == OptionReplyType.ERR_UNKNOWN ? NbdError.EINVAL : NbdError.EPERM,
                    why + message(r));
        }
    }

    /** Structured replies are agreed: ask for ENBD-J's extension channel, whose replies are chunks. */
    private void askEnbd(ChannelHandlerContext ctx) {
        step = Step.ENBD;
        ByteBuf version = ctx.alloc().buffer(4).writeInt(EnbdExtension.VERSION);
        ctx.writeAndFlush(new OptionRequest(OptionType.ENBD.value(), version, false));
    }

    /** ENBD's channel is agreed: ask whether writes may go unanswered (used only in async no-ack mode). */
    private void askNoReply(ChannelHandlerContext ctx) {
        step = Step.NO_REPLY;
        ctx.writeAndFlush(new OptionRequest(OptionType.ENBD_NO_REPLY.value(), Unpooled.EMPTY_BUFFER, false));
    }

    private void go(ChannelHandlerContext ctx) {
        step = Step.GO;
        ctx.writeAndFlush(ExportRequest.of(exportName, InfoType.BLOCK_SIZE, InfoType.NAME, InfoType.DESCRIPTION)
                .request(OptionType.GO, ctx.alloc()));
    }

    private void exportNameOption(ChannelHandlerContext ctx) {
        step = Step.EXPORT_NAME;
        decoder.expectExportNameReply(!noZeroes);
        ByteBuf name = Unpooled.copiedBuffer(exportName, StandardCharsets.UTF_8);
        ctx.writeAndFlush(new OptionRequest(OptionType.EXPORT_NAME.value(), name, false));
    }

    private void done() {
        result.complete(new Session(canonicalName != null ? canonicalName : exportName, size, flags, blockSizes,
                structured, structured ? allocationContext : -1, description, structured && enbd,
                structured && enbd && noReply));
    }

    private void fail(ChannelHandlerContext ctx, HandshakeFailure f) {
        if (result.completeExceptionally(f)) {
            ctx.close();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        boolean corrupt = cause instanceof CorruptedFrameException
                || cause instanceof DecoderException && cause.getCause() instanceof CorruptedFrameException;
        fail(ctx, new HandshakeFailure(corrupt, NbdError.EIO, corrupt ? cause.getMessage()
                : "handshake failed: " + cause));
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        fail(ctx, step == Step.TLS ? HandshakeFailure.closedInTls("server closed the connection during the TLS "
                + "handshake") : new HandshakeFailure(false, NbdError.EIO, step == Step.EXPORT_NAME
                ? "server closed the connection after NBD_OPT_EXPORT_NAME (unknown export '" + exportName + "'?)"
                : "server closed the connection during the handshake"));
        ctx.fireChannelInactive();
    }

    private static String name(OptionReplyType type, OptionReply r) {
        return type != null ? "NBD_REP_" + type : "reply type 0x" + Integer.toHexString(r.replyType());
    }

    private static String message(OptionReply r) {
        if (r.data() == null || !r.data().isReadable()) {
            return "";
        }
        return ": " + r.data().toString(StandardCharsets.UTF_8);
    }
}
