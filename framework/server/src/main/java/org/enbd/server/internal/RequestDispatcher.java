package org.enbd.server.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.layer.AsyncLayer;
import org.enbd.api.layer.Layer;
import org.enbd.api.layer.RequestFlags;
import org.enbd.api.layer.Support;
import org.enbd.protocol.Command;
import org.enbd.protocol.Reply;
import org.enbd.protocol.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one connection's requests: checks each once, runs it on the stack, and writes its reply when it is
 * done, in whatever order requests finish. Layers that may block run on virtual threads (one per request, so a
 * slow request never holds up the others); layers that never block ({@link Layer#mayBlock()} false) run inline on
 * the event loop. An {@link AsyncLayer} is called on the event loop and answered when its stage completes
 * ({@link AsyncRequests}), with no thread per request. Replies are flushed once per batch by the
 * FlushConsolidationHandler before this handler.
 *
 * <p>All state here is touched on the channel's event loop only; a request finishing elsewhere hands its reply
 * back to the loop. Above {@code maxInFlight} outstanding requests, or while the socket is not writable, the
 * connection stops reading (autoRead off), so a fast client cannot queue unbounded work or replies.
 *
 * <p>The dispatcher owns the layer: it closes it once the channel has closed and the last request has finished.
 */
public final class RequestDispatcher extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(RequestDispatcher.class);
    /** Most descriptors in one BLOCK_STATUS reply (the spec asks for at most 2^20). */
    private static final int MAX_EXTENTS = 1 << 16;

    private final Layer layer;
    private final Negotiated negotiated;
    private final RequestCheck check;
    private final Replies replies;
    private final int maxInFlight;
    private final boolean inline;
    private final Executor blocking;
    /** Set when the layer is an {@link AsyncLayer}: its requests then run without a thread each. */
    private final AsyncRequests async;
    /** Allocated once: the asynchronous path's reply sink. */
    private final java.util.function.Consumer<Reply> replySink = this::finishOnLoop;
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private ChannelHandlerContext ctx;
    private String peer = "?";
    private int inFlight;
    /** NBD_CMD_DISC received, or the server drains: no new work, close when the last request is answered. */
    private boolean closing;
    private boolean draining;
    private boolean inactive;
    private boolean layerClosed;
    private boolean failed;

    public RequestDispatcher(Layer layer, Negotiated negotiated, int maxPayload, int maxInFlight, Executor blocking) {
        this.layer = layer;
        this.negotiated = negotiated;
        this.check = new RequestCheck(negotiated, maxPayload);
        this.replies = new Replies(negotiated.format());
        this.maxInFlight = maxInFlight;
        this.inline = !layer.mayBlock();
        this.blocking = blocking;
        this.async = layer instanceof AsyncLayer a ? new AsyncRequests(a, negotiated, replies) : null;
    }

    /** Completes when the connection has closed and its layer is closed. */
    public CompletableFuture<Void> closed() {
        return closed;
    }

    /** Server shutdown: later requests get ESHUTDOWN, requests in flight finish, then the connection closes. */
    public void drain() {
        if (ctx == null) {
            return;
        }
        ctx.executor().execute(() -> {
            draining = true;
            closeIfIdle();
        });
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.peer = String.valueOf(ctx.channel().remoteAddress());
        if (!ctx.channel().isActive() && ctx.channel().isRegistered()) {
            // installed on a channel that already went away
            inactive = true;
            closeLayerIfDone();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof Request request)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (closing) {
            request.release(); // nothing may follow NBD_CMD_DISC
            return;
        }
        Command command;
        try {
            command = check.check(request);
        } catch (NbdException e) {
            request.release();
            write(replies.error(request, e.error().value(), e.getMessage()));
            return;
        }
        if (command == Command.DISC) {
            request.release();
            closing = true;
            ctx.channel().config().setAutoRead(false);
            closeIfIdle();
            return;
        }
        if (draining) {
            request.release();
            write(replies.error(request, NbdError.ESHUTDOWN.value(), "server is shutting down"));
            return;
        }
        inFlight++;
        updateReading();
        if (async != null && async.handles(command)) {
            async.execute(command, request, ctx.alloc(), peer, replySink);
        } else if (inline) {
            finish(execute(command, request));
        } else {
            blocking.execute(new BlockingRequest(command, request));
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        updateReading();
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        inactive = true;
        closeLayerIfDone();
        ctx.fireChannelInactive();
    }

    /** Protocol garbage or a broken socket: one line in the log, and this connection (only) closes. */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (failed) {
            return;
        }
        failed = true;
        if (cause instanceof java.io.IOException) {
            LOG.info("{}: connection lost: {}", peer, cause.getMessage());
        } else {
            String why = cause instanceof DecoderException && cause.getCause() != null
                    ? cause.getCause().getMessage() : String.valueOf(cause);
            LOG.warn("{}: closing the connection: {}", peer, why);
        }
        ctx.close();
    }

    /** Runs a checked request on the stack and returns its reply; never throws. */
    private Reply execute(Command command, Request request) {
        try {
            return switch (command) {
                case READ -> replies.data(request, request.length() == 0 ? io.netty.buffer.Unpooled.EMPTY_BUFFER
                        : layer.read(request.offset(), (int) request.length(), request.flags(), ctx.alloc()));
                case WRITE -> {
                    ByteBuf data = request.payload();
                    if (data.isReadable()) {
                        int flags = negotiated.flagsForLayer(request);
                        withFua(request, () -> layer.write(request.offset(), data, flags));
                    }
                    yield replies.ok(request);
                }
                case FLUSH -> {
                    layer.flush(0);
                    yield replies.ok(request);
                }
                case TRIM -> {
                    if (request.length() > 0) {
                        int flags = negotiated.flagsForLayer(request);
                        withFua(request, () -> layer.trim(request.offset(), request.length(), flags));
                    }
                    yield replies.ok(request);
                }
                case WRITE_ZEROES -> {
                    if (request.length() > 0) {
                        withFua(request, () -> layer.zero(request.offset(), request.length(),
                                negotiated.flagsForLayer(request)));
                    }
                    yield replies.ok(request);
                }
                case CACHE -> {
                    cache(request);
                    yield replies.ok(request);
                }
                case BLOCK_STATUS -> blockStatus(request);
                case DISC, RESIZE -> throw new IllegalStateException(command + " reached execute");
            };
        } catch (Throwable failure) {
            RequestFailure f = RequestFailure.of(failure, request, peer);
            return replies.error(request, f.error().value(), f.message());
        } finally {
            request.release();
        }
    }

    private Reply blockStatus(Request request) throws NbdException {
        ExtentCollector collector = new ExtentCollector(request.length(),
                RequestFlags.has(request.flags(), RequestFlags.REQ_ONE), MAX_EXTENTS);
        if (negotiated.capabilities().extents()) {
            layer.extents(request.offset(), request.length(), request.flags(), collector);
        }
        return replies.blockStatus(request, negotiated.allocationContextId(), collector.extents());
    }

    private void cache(Request request) throws NbdException {
        if (negotiated.capabilities().cache() == Support.EMULATE) {
            long at = request.offset();
            long end = at + request.length();
            while (at < end) {
                int chunk = (int) Math.min(end - at, 1 << 20);
                layer.read(at, chunk, 0, ctx.alloc()).release();
                at += chunk;
            }
        } else {
            layer.cache(request.offset(), request.length(), 0);
        }
    }

    private void withFua(Request request, LayerCall call) throws NbdException {
        call.run();
        if (negotiated.emulatedFua(request)) {
            layer.flush(0);
        }
    }

    /** An asynchronous request's reply, from whichever thread completed it, back to the channel's loop. */
    private void finishOnLoop(Reply reply) {
        if (ctx.executor().inEventLoop()) {
            finish(reply);
        } else {
            ctx.executor().execute(new Finish(reply));
        }
    }

    /** A request on the blocking executor, then its reply on the loop: one object for both hops per request. */
    private final class BlockingRequest implements Runnable {
        private final Command command;
        private Request request;
        private Reply reply;

        BlockingRequest(Command command, Request request) {
            this.command = command;
            this.request = request;
        }

        @Override
        public void run() {
            if (reply == null) {
                reply = execute(command, request);
                request = null;
                ctx.executor().execute(this);
            } else {
                finish(reply);
            }
        }
    }

    private final class Finish implements Runnable {
        private final Reply reply;

        Finish(Reply reply) {
            this.reply = reply;
        }

        @Override
        public void run() {
            finish(reply);
        }
    }

    /** On the event loop: the reply goes out and the request leaves the in-flight count. */
    private void finish(Reply reply) {
        inFlight--;
        if (inactive) {
            reply.release();
            closeLayerIfDone();
            return;
        }
        write(reply);
        updateReading();
        closeIfIdle();
    }

    private void write(Reply reply) {
        ctx.writeAndFlush(reply, ctx.voidPromise());
    }

    private void updateReading() {
        boolean read = !closing && inFlight < maxInFlight && ctx.channel().isWritable();
        if (ctx.channel().config().isAutoRead() != read) {
            ctx.channel().config().setAutoRead(read);
        }
    }

    private void closeIfIdle() {
        if ((closing || draining) && inFlight == 0 && !inactive) {
            ctx.channel().close();
        }
    }

    private void closeLayerIfDone() {
        if (inactive && inFlight == 0 && !layerClosed) {
            layerClosed = true;
            try {
                layer.close();
            } catch (RuntimeException e) {
                LOG.warn("{}: closing the export's layers failed", peer, e);
            }
            closed.complete(null);
        }
    }

    @FunctionalInterface
    private interface LayerCall {
        void run() throws NbdException;
    }
}
