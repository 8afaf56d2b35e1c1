package org.enbd.server.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.enbd.api.NbdException;
import org.enbd.api.layer.Capabilities;
import org.enbd.api.layer.Export;
import org.enbd.api.layer.Feature;
import org.enbd.api.layer.Layer;
import org.enbd.api.layer.SessionContext;
import org.enbd.api.stream.StreamSecurity;
import org.enbd.protocol.EnbdExtension;
import org.enbd.protocol.HandshakeFlags;
import org.enbd.protocol.InfoType;
import org.enbd.protocol.OptionReplyType;
import org.enbd.protocol.OptionType;
import org.enbd.protocol.ReplyFormat;
import org.enbd.protocol.handshake.ExportListEntry;
import org.enbd.protocol.handshake.ExportRequest;
import org.enbd.protocol.handshake.HandshakeMessage.ClientFlags;
import org.enbd.protocol.handshake.HandshakeMessage.ExportNameReply;
import org.enbd.protocol.handshake.HandshakeMessage.OptionReply;
import org.enbd.protocol.handshake.HandshakeMessage.OptionRequest;
import org.enbd.protocol.handshake.HandshakeMessage.ServerGreeting;
import org.enbd.protocol.handshake.InfoReply;
import org.enbd.protocol.handshake.MalformedOptionException;
import org.enbd.protocol.handshake.MetaContextReply;
import org.enbd.protocol.handshake.MetaContextRequest;
import org.enbd.protocol.handshake.ServerHandshakeDecoder;
import org.enbd.server.TlsPolicy;
import org.enbd.server.TransmissionPhase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's side of the fixed newstyle handshake (proto.md, "Fixed newstyle negotiation"): greets with
 * FIXED_NEWSTYLE and NO_ZEROES, answers options until NBD_OPT_GO or NBD_OPT_EXPORT_NAME chooses an export, then
 * removes itself and its codec and installs the {@link TransmissionPhase}. Features' option hooks see every
 * option first. A client that breaks the protocol loses its own connection only, with one line in the log.
 *
 * <p>Memory: options are answered only while the client reads the answers. Once the replies queued for its socket
 * pass the channel's high water mark, the handshake decoder holds (no further option is decoded) and reading stops
 * until they have drained; and a connection may send at most {@code maxOptions} options (nbdkit has the same
 * guard). So a client that floods NBD_OPT_LIST without reading makes the server hold at most the water mark plus
 * one option's answer and one socket read.
 */
public final class HandshakeHandler extends ChannelInboundHandlerAdapter {
    public static final String DECODER = "nbd-handshake-decoder";
    public static final String ENCODER = "nbd-handshake-encoder";
    public static final String HANDLER = "nbd-handshake";
    /** Drops the reads the handshake decoder asks for while it is held: see {@link HeldReadGate}. */
    public static final String READ_GATE = "nbd-handshake-read-gate";
    private static final Logger LOG = LoggerFactory.getLogger(HandshakeHandler.class);
    /** Opening a stack may block (a backend's first stat, a feature reading a partition table): one virtual thread each. */
    private static final java.util.concurrent.Executor OPENER =
            task -> Thread.ofVirtual().name("enbd-open").start(task);
    /** The export parameter naming the one TLS identity that may open it ({@code --export ...,tls-identity=alice}). */
    public static final String TLS_IDENTITY = "tls-identity";
    private static final int KNOWN_CLIENT_FLAGS = HandshakeFlags.FIXED_NEWSTYLE | HandshakeFlags.NO_ZEROES;

    private final HandshakeSettings settings;
    private final Map<String, Object> attributes = new HashMap<>();
    private String peer = "?";
    private boolean greeted;
    private boolean noZeroes;
    private boolean tlsUp;
    private ReplyFormat format = ReplyFormat.SIMPLE;
    /** NBD_OPT_ENBD was acknowledged: the transmission phase accepts control requests and pushes events. */
    private boolean enbd;
    /** NBD_OPT_ENBD_NO_REPLY was acknowledged: WRITEs flagged FLAG_NO_REPLY get no reply. */
    private boolean noReply;
    /** The export named in the last SET_META_CONTEXT, and whether base:allocation was selected for it. */
    private String metaExport;
    private boolean allocationSelected;
    /** Options received so far. */
    private int options;
    /** The export is being opened off the loop: the decoder holds until that is done. */
    private boolean opening;
    /** The client is not reading our replies: the decoder holds until they drain. */
    private boolean backedUp;
    private boolean hungUp;

    public HandshakeHandler(HandshakeSettings settings) {
        this.settings = settings;
    }

    /** Greets at once when added to a channel that is already connected (an adopted or embedded channel). */
    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.pipeline().get(DECODER) != null && ctx.pipeline().get(READ_GATE) == null) {
            ctx.pipeline().addBefore(DECODER, READ_GATE, new HeldReadGate(() -> opening || backedUp));
        }
        if (ctx.channel().isActive()) {
            greet(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        greet(ctx);
        ctx.fireChannelActive();
    }

    private void greet(ChannelHandlerContext ctx) {
        if (!greeted) {
            greeted = true;
            peer = String.valueOf(ctx.channel().remoteAddress());
            ctx.writeAndFlush(new ServerGreeting(HandshakeFlags.FIXED_NEWSTYLE | HandshakeFlags.NO_ZEROES));
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        switch (msg) {
            case ClientFlags flags -> clientFlags(ctx, flags.flags());
            case OptionRequest option -> {
                try {
                    if (hungUp) {
                        return; // the rest of a read that came with the option we hung up on
                    } else if (++options > settings.limits().maxOptions()) {
                        hangUp(ctx, "more than " + settings.limits().maxOptions() + " options");
                    } else {
                        option(ctx, option);
                    }
                } finally {
                    option.release();
                }
                if (!ctx.isRemoved() && ctx.channel().isActive() && !ctx.channel().isWritable()) {
                    backedUp = true;
                    hold(ctx);
                }
            }
            default -> ctx.fireChannelRead(msg);
        }
    }

    /** Our replies drained below the low water mark: options are read again (unless an export is opening). */
    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (backedUp && ctx.channel().isWritable()) {
            backedUp = false;
            ctx.executor().execute(() -> resume(ctx)); // later: this may fire inside the decoder's own read
        }
        ctx.fireChannelWritabilityChanged();
    }

    /** No option is decoded, and nothing read, until {@link #resume}. */
    private void hold(ChannelHandlerContext ctx) {
        ServerHandshakeDecoder decoder = (ServerHandshakeDecoder) ctx.pipeline().get(DECODER);
        if (decoder != null) {
            decoder.hold();
        }
        ctx.channel().config().setAutoRead(false);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        String why = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause().getMessage()
                : cause instanceof IOException ? cause.getMessage() : String.valueOf(cause);
        hangUp(ctx, "handshake failed: " + why);
    }

    private void clientFlags(ChannelHandlerContext ctx, int flags) {
        if ((flags & ~KNOWN_CLIENT_FLAGS) != 0) {
            // the spec: the server MUST close the connection on client flags it does not know
            hangUp(ctx, "unknown client flags 0x" + Integer.toHexString(flags));
            return;
        }
        noZeroes = (flags & HandshakeFlags.NO_ZEROES) != 0;
    }

    private void option(ChannelHandlerContext ctx, OptionRequest request) {
        int option = request.option();
        OptionType type = OptionType.fromValue(option);
        if (request.tooBig()) {
            if (type == OptionType.EXPORT_NAME) {
                hangUp(ctx, "export name longer than " + settings.limits().maxOptionLength() + " bytes");
            } else {
                error(ctx, option, OptionReplyType.ERR_TOO_BIG, "option data too long");
            }
            return;
        }
        if (settings.shuttingDown().getAsBoolean() && type != OptionType.ABORT) {
            if (type == OptionType.EXPORT_NAME) {
                hangUp(ctx, "server shutting down");
            } else {
                error(ctx, option, OptionReplyType.ERR_SHUTDOWN, "server is shutting down");
            }
            return;
        }
        if (settings.tls() == TlsPolicy.REQUIRED && !tlsUp && type != OptionType.STARTTLS
                && type != OptionType.ABORT) {
            if (type == OptionType.EXPORT_NAME) {
                hangUp(ctx, "NBD_OPT_EXPORT_NAME before STARTTLS on a TLS-only server");
            } else {
                error(ctx, option, OptionReplyType.ERR_TLS_REQD, "TLS is required: send NBD_OPT_STARTTLS first");
            }
            return;
        }
        // feature hooks run after the TLS check, so a TLS-only server never lets one answer in clear
        for (Feature hook : settings.exports().optionHooks()) {
            if (hook.option(new HookExchange(ctx, option, request.data(), peer, attributes))) {
                return;
            }
        }
        try {
            switch (type == null ? OptionType.PEEK_EXPORT : type) {
                case EXPORT_NAME -> exportName(ctx, request.data());
                case ABORT -> ctx.writeAndFlush(new OptionReply(option, OptionReplyType.ACK.value(), null))
                        .addListener(ChannelFutureListener.CLOSE);
                case LIST -> list(ctx, request.data());
                case INFO, GO -> infoOrGo(ctx, type, ExportRequest.parse(request.data()));
                case STRUCTURED_REPLY -> negotiateFormat(ctx, option, request.data(), ReplyFormat.STRUCTURED);
                case EXTENDED_HEADERS -> negotiateFormat(ctx, option, request.data(), ReplyFormat.EXTENDED);
                case LIST_META_CONTEXT, SET_META_CONTEXT -> metaContext(ctx, type,
                        MetaContextRequest.parse(request.data()));
                case STARTTLS -> startTls(ctx, request.data());
                case ENBD -> enbd(ctx, request.data());
                case ENBD_NO_REPLY -> noReply(ctx, request.data());
                case PEEK_EXPORT -> error(ctx, option, OptionReplyType.ERR_UNSUP, "option " + option
                        + " is not supported");
            }
        } catch (MalformedOptionException e) {
            error(ctx, option, OptionReplyType.ERR_INVALID, e.getMessage());
        }
    }

    private void exportName(ChannelHandlerContext ctx, ByteBuf data) {
        String name = data.toString(StandardCharsets.UTF_8);
        Optional<Export> export = settings.exports().find(name);
        if (export.isEmpty()) {
            hangUp(ctx, "NBD_OPT_EXPORT_NAME for unknown export '" + name + "'");
            return;
        }
        String refusal = identityRefusal(ctx, export.get());
        if (refusal != null) {
            hangUp(ctx, refusal);
            return;
        }
        openOffLoop(ctx, export.get(), opened -> {
            int flags = TransmissionPhase.transmissionFlags(opened.capabilities(), format);
            ctx.writeAndFlush(new ExportNameReply(opened.size(), flags, !noZeroes));
            startTransmission(ctx, export.get(), opened);
        }, failure -> hangUp(ctx, "cannot open export '" + name + "': " + failure.getMessage()));
    }

    private void list(ChannelHandlerContext ctx, ByteBuf data) {
        int option = OptionType.LIST.value();
        if (data.isReadable()) {
            error(ctx, option, OptionReplyType.ERR_INVALID, "NBD_OPT_LIST carries no data");
            return;
        }
        for (Export export : settings.exports().list()) {
            ctx.write(new ExportListEntry(export.context().exportName(), export.description()).reply(ctx.alloc()));
        }
        ctx.writeAndFlush(new OptionReply(option, OptionReplyType.ACK.value(), null));
    }

    private void infoOrGo(ChannelHandlerContext ctx, OptionType type, ExportRequest request) {
        int option = type.value();
        Optional<Export> export = settings.exports().find(request.name());
        if (export.isEmpty()) {
            error(ctx, option, OptionReplyType.ERR_UNKNOWN, "no export named '" + request.name() + "'");
            return;
        }
        String refusal = identityRefusal(ctx, export.get());
        if (refusal != null) {
            LOG.warn("{}: {}", peer, refusal);
            error(ctx, option, OptionReplyType.ERR_POLICY, refusal);
            return;
        }
        openOffLoop(ctx, export.get(), opened -> answerInfo(ctx, type, request, export.get(), opened), failure -> {
            LOG.warn("{}: cannot open export '{}': {}", peer, request.name(), failure.getMessage());
            error(ctx, option, OptionReplyType.ERR_UNKNOWN, "export '" + request.name() + "' is not available: "
                    + failure.getMessage());
        });
    }

    private void answerInfo(ChannelHandlerContext ctx, OptionType type, ExportRequest request, Export export,
                            Opened opened) {
        int option = type.value();
        Capabilities caps = opened.capabilities();
        ctx.write(new InfoReply.Export(opened.size(), TransmissionPhase.transmissionFlags(caps, format))
                .reply(option, ctx.alloc()));
        if (request.requests(InfoType.NAME)) {
            ctx.write(new InfoReply.Name(request.name()).reply(option, ctx.alloc()));
        }
        if (request.requests(InfoType.DESCRIPTION) && !export.description().isEmpty()) {
            ctx.write(new InfoReply.Description(export.description()).reply(option, ctx.alloc()));
        }
        if (request.requests(InfoType.BLOCK_SIZE)) {
            int maximum = Math.min(caps.blockSizes().maximum(), settings.limits().maxPayload());
            ctx.write(new InfoReply.BlockSize(caps.blockSizes().minimum(), caps.blockSizes().preferred(),
                    Math.max(maximum, caps.blockSizes().preferred())).reply(option, ctx.alloc()));
        }
        ctx.writeAndFlush(new OptionReply(option, OptionReplyType.ACK.value(), null));
        if (type == OptionType.GO) {
            startTransmission(ctx, export, opened);
        } else {
            opened.layer().close();
        }
    }

    private void negotiateFormat(ChannelHandlerContext ctx, int option, ByteBuf data, ReplyFormat asked) {
        if (data.isReadable()) {
            error(ctx, option, OptionReplyType.ERR_INVALID, "this option carries no data");
            return;
        }
        if (format != ReplyFormat.EXTENDED) {
            format = asked;
        }
        ctx.writeAndFlush(new OptionReply(option, OptionReplyType.ACK.value(), null));
    }

    private void metaContext(ChannelHandlerContext ctx, OptionType type, MetaContextRequest request) {
        int option = type.value();
        if (format == ReplyFormat.SIMPLE) {
            error(ctx, option, OptionReplyType.ERR_INVALID, "negotiate structured replies first");
            return;
        }
        if (settings.exports().find(request.exportName()).isEmpty()) {
            error(ctx, option, OptionReplyType.ERR_UNKNOWN, "no export named '" + request.exportName() + "'");
            return;
        }
        if (type == OptionType.SET_META_CONTEXT) {
            metaExport = request.exportName();
            allocationSelected = MetaContexts.selectsAllocation(request.queries());
            if (allocationSelected) {
                ctx.write(new MetaContextReply(MetaContexts.ALLOCATION_ID, MetaContexts.BASE_ALLOCATION)
                        .reply(option, ctx.alloc()));
            }
        } else {
            for (String name : MetaContexts.list(request.queries())) {
                ctx.write(new MetaContextReply(0, name).reply(option, ctx.alloc()));
            }
        }
        ctx.writeAndFlush(new OptionReply(option, OptionReplyType.ACK.value(), null));
    }

    /** The peer's authenticated identity, which the TLS handler set on the channel, or null. */
    private static String identity(ChannelHandlerContext ctx) {
        return ctx.channel().attr(StreamSecurity.IDENTITY).get();
    }

    /** Why the peer may not have {@code export} (its {@code tls-identity} parameter names someone else), or null. */
    private static String identityRefusal(ChannelHandlerContext ctx, Export export) {
        String required = export.context().parameter(TLS_IDENTITY, null);
        if (required == null || required.equals(identity(ctx))) {
            return null;
        }
        String identity = identity(ctx);
        return "export '" + export.context().exportName() + "' is for TLS identity '" + required + "' only, not "
                + (identity == null ? "an unauthenticated client" : "'" + identity + "'");
    }

    private void startTls(ChannelHandlerContext ctx, ByteBuf data) {
        int option = OptionType.STARTTLS.value();
        StreamSecurity security = settings.security();
        if (data.isReadable() || tlsUp) {
            error(ctx, option, OptionReplyType.ERR_INVALID, tlsUp ? "TLS is already up" : "STARTTLS carries no data");
        } else if (settings.tls() == TlsPolicy.OFF) {
            error(ctx, option, OptionReplyType.ERR_POLICY, "TLS is turned off on this listener");
        } else if (security == null) {
            error(ctx, option, OptionReplyType.ERR_UNSUP, "no TLS provider is installed");
        } else {
            try {
                // the TLS handler goes in before the ACK is written (SslHandler's startTls lets the ACK pass clear)
                ctx.pipeline().addFirst("nbd-tls", security.newHandler(ctx.channel(), StreamSecurity.Role.SERVER,
                        null));
            } catch (IOException e) {
                LOG.warn("{}: cannot start TLS: {}", peer, e.getMessage());
                error(ctx, option, OptionReplyType.ERR_PLATFORM, "TLS is not available: " + e.getMessage());
                return;
            }
            tlsUp = true;
            ctx.writeAndFlush(new OptionReply(option, OptionReplyType.ACK.value(), null));
        }
    }

    /**
     * Opens the export's stack for this connection off the event loop (features may read a partition table, a
     * backend may stat a file), holding the handshake decoder meanwhile so that bytes the client pipelined after
     * the option wait for the outcome; then continues on the loop with {@code then} or {@code failed}.
     */
    private void openOffLoop(ChannelHandlerContext ctx, Export export, Consumer<Opened> then,
                             Consumer<Exception> failed) {
        opening = true;
        hold(ctx);
        SessionContext session = new SessionContext(export.context(), peer, tlsUp, identity(ctx), attributes);
        OPENER.execute(() -> {
            Opened opened = null;
            Exception failure = null;
            try {
                opened = open(export, session);
            } catch (NbdException | RuntimeException e) {
                failure = e;
            }
            Opened result = opened;
            Exception error = failure;
            ctx.executor().execute(() -> {
                opening = false;
                if (!ctx.channel().isActive() || ctx.isRemoved()) {
                    if (result != null) {
                        result.layer().close();
                    }
                    return;
                }
                if (result != null) {
                    then.accept(result);
                } else {
                    failed.accept(error);
                }
                resume(ctx);
            });
        });
    }

    /** The handshake goes on (the option was answered without entering transmission): decode what was held. */
    private void resume(ChannelHandlerContext ctx) {
        ChannelHandlerContext decoderContext = ctx.pipeline().context(DECODER);
        if (decoderContext == null || ctx.isRemoved()) {
            return; // transmission started: the request decoder has the held bytes
        }
        if (opening || backedUp) {
            return; // still waiting for the other reason to hold
        }
        ctx.channel().config().setAutoRead(true);
        try {
            ((ServerHandshakeDecoder) decoderContext.handler()).resume(decoderContext);
        } catch (Exception e) {
            exceptionCaught(ctx, e);
        }
    }

    private static Opened open(Export export, SessionContext session) throws NbdException {
        Layer layer = export.open(session);
        try {
            return new Opened(layer, layer.size(), layer.capabilities());
        } catch (NbdException | RuntimeException e) {
            layer.close();
            throw e;
        }
    }

    /**
     * NBD_OPT_ENBD: ENBD-J's extension channel ({@link EnbdExtension}). Needs structured replies, since control
     * replies and pushed events are chunks.
     */
    private void enbd(ChannelHandlerContext ctx, ByteBuf data) {
        int option = OptionType.ENBD.value();
        if (data.readableBytes() != 4) {
            error(ctx, option, OptionReplyType.ERR_INVALID, "NBD_OPT_ENBD carries a 4-byte version");
        } else if (format == ReplyFormat.SIMPLE) {
            error(ctx, option, OptionReplyType.ERR_INVALID, "negotiate structured replies before NBD_OPT_ENBD");
        } else if (data.getInt(data.readerIndex()) < EnbdExtension.VERSION) {
            error(ctx, option, OptionReplyType.ERR_UNSUP, "ENBD extension version "
                    + data.getInt(data.readerIndex()) + " is not supported");
        } else {
            enbd = true;
            ctx.writeAndFlush(new OptionReply(option, OptionReplyType.ACK.value(), null));
        }
    }

    /** NBD_OPT_ENBD_NO_REPLY: writes without replies ({@link EnbdExtension#OPTION_NO_REPLY}), after NBD_OPT_ENBD. */
    private void noReply(ChannelHandlerContext ctx, ByteBuf data) {
        int option = OptionType.ENBD_NO_REPLY.value();
        if (data.isReadable()) {
            error(ctx, option, OptionReplyType.ERR_INVALID, "NBD_OPT_ENBD_NO_REPLY carries no data");
        } else if (!enbd) {
            error(ctx, option, OptionReplyType.ERR_INVALID, "negotiate NBD_OPT_ENBD before NBD_OPT_ENBD_NO_REPLY");
        } else {
            noReply = true;
            ctx.writeAndFlush(new OptionReply(option, OptionReplyType.ACK.value(), null));
        }
    }

    /** Leaves the handshake: the transmission codec replaces this handler and its codec. */
    private void startTransmission(ChannelHandlerContext ctx, Export export, Opened opened) {
        String name = export.context().exportName();
        int allocationId = allocationSelected && name.equals(metaExport) && format != ReplyFormat.SIMPLE
                ? MetaContexts.ALLOCATION_ID : 0;
        var pipeline = ctx.pipeline();
        pipeline.remove(ENCODER);
        if (pipeline.get(READ_GATE) != null) {
            pipeline.remove(READ_GATE);
        }
        pipeline.remove(this);
        TransmissionPhase phase = TransmissionPhase.install(ctx.channel(), opened.layer(), opened.capabilities(),
                opened.size(), format, allocationId, enbd, noReply, settings.limits(), settings.budget());
        AutoCloseable events = export.events(phase::event);
        ctx.channel().closeFuture().addListener(closed -> events.close());
        // reading was paused while the stack opened; the dispatcher pauses it again if held requests fill it up
        ctx.channel().config().setAutoRead(true);
        // removing the decoder last hands bytes it already holds (pipelined requests) on to the request decoder
        pipeline.remove(DECODER);
        ConnectionLog.transmitting(ctx.channel(), name, tlsUp);
        settings.started().accept(phase);
    }

    private void error(ChannelHandlerContext ctx, int option, OptionReplyType type, String message) {
        ctx.writeAndFlush(new OptionReply(option, type.value(), Unpooled.copiedBuffer(message,
                StandardCharsets.UTF_8)));
    }

    private void hangUp(ChannelHandlerContext ctx, String why) {
        if (!hungUp) {
            hungUp = true;
            LOG.info("{}: closing: {}", peer, why);
        }
        ctx.close();
    }

    private record Opened(Layer layer, long size, Capabilities capabilities) {
    }
}
