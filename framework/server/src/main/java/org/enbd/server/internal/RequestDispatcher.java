package org.enbd.server.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.layer.ExportEvent;
import org.enbd.api.layer.Layer;
import org.enbd.api.layer.RequestFlags;
import org.enbd.api.layer.Support;
import org.enbd.protocol.Command;
import org.enbd.protocol.EnbdExtension;
import org.enbd.protocol.Reply;
import org.enbd.protocol.Request;
import org.enbd.protocol.RequestDecoder;
import org.enbd.server.MemoryBudget;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one connection's requests: checks each once, starts it on the stack from the event loop, and writes its
 * reply when its stage completes, in whatever order requests finish. The stack never blocks (the {@link Layer}
 * contract), so there is no thread per request here: a layer that answers at once (memory) is answered in the
 * same loop turn; one that hands work to its own threads (a file, the client engine) completes later and its
 * reply comes back to the loop. This is the one place commands are mapped onto the stack, with the emulations
 * the negotiated capabilities call for (FUA as a flush after the write, CACHE by reading).
 *
 * <p>All state here is touched on the channel's event loop only. Memory is bounded before it is allocated: the
 * request decoder shows each header to {@link #admit} first, and a request is decoded (its payload read, its
 * reply allocated) only when its bytes fit in the connection's budget and in the server's shared one, and fewer
 * than {@code maxInFlight} requests hold bytes. They are held until the request's reply has been flushed to the
 * socket. Otherwise the decoder holds and the connection stops reading (autoRead off, as while the socket is not
 * writable) until replies have gone out: a client that pipelines requests and never reads the replies stops at
 * the budget, however many it sends.
 *
 * <p>The dispatcher owns the layer: it closes it once the channel has closed and the last request has finished.
 */
public final class RequestDispatcher extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(RequestDispatcher.class);
    /** Most descriptors in one BLOCK_STATUS reply (the spec asks for at most 2^20). */
    private static final int MAX_EXTENTS = 1 << 16;
    /** CACHE emulated by reading goes a mebibyte at a time. */
    private static final int CACHE_CHUNK = 1 << 20;
    /** What a BLOCK_STATUS may hold: up to MAX_EXTENTS descriptors, as objects and then as reply bytes. */
    private static final long BLOCK_STATUS_COST = (long) MAX_EXTENTS * 32;
    /** What a control request's answer may hold beyond its payload (a feature's report). */
    private static final long CONTROL_REPLY_COST = 1 << 20;
    /** Every request costs at least this much (its header and reply objects), so empty ones count too. */
    private static final long REQUEST_COST = 256;
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private final Layer layer;
    private final Negotiated negotiated;
    private final RequestCheck check;
    private final Replies replies;
    private final int maxInFlight;
    private final int maxPayload;
    private final long connectionBudget;
    private final MemoryBudget serverBudget;
    private final RequestDecoder decoder;
    /** Bytes this connection holds in {@link #serverBudget}, and the requests they are for. */
    private long held;
    private int holding;
    /** The channel closed: every byte it held went back at once, and later releases are no-ops. */
    private boolean budgetReturned;
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
    /** Writes served without a reply, and the FLUSHes waiting for them (async no-ack). */
    private final UnansweredWrites unanswered = new UnansweredWrites();

    /**
     * @param decoder          the connection's request decoder, whose admission this dispatcher becomes
     * @param connectionBudget bytes this connection may hold (payloads and unflushed replies)
     * @param serverBudget     the bytes all connections share
     */
    public RequestDispatcher(Layer layer, Negotiated negotiated, int maxPayload, int maxInFlight,
                             RequestDecoder decoder, long connectionBudget, MemoryBudget serverBudget) {
        this.layer = layer;
        this.negotiated = negotiated;
        this.check = new RequestCheck(negotiated, maxPayload);
        this.replies = new Replies(negotiated.format());
        this.maxInFlight = maxInFlight;
        this.maxPayload = maxPayload;
        this.connectionBudget = connectionBudget;
        this.serverBudget = serverBudget;
        this.decoder = decoder;
        decoder.setAdmission(this::admit);
    }

    /**
     * The decoder asks before decoding a request: its bytes are taken from both budgets now, or it waits. Called
     * on the event loop, between requests.
     */
    private boolean admit(int type, long length, long payload) {
        if (gone()) {
            // the connection has closed, and Netty tells the pipeline only later (after failing the replies still
            // queued, which gave their bytes back): what the decoder still holds is for a peer gone, never served
            return false;
        }
        long cost = cost(type, length, payload);
        if (holding >= maxInFlight || held + cost > connectionBudget) {
            stopReading(); // replies going out give bytes back: see release
            return false;
        }
        if (!serverBudget.reserve(cost)) {
            stopReading();
            serverBudget.await(cost, this::scheduleRetry);
            return false;
        }
        held += cost;
        holding++;
        if (holding >= maxInFlight) {
            stopReading(); // the next one could not be taken anyway: leave it in the socket
        }
        return true;
    }

    /**
     * The bytes a request may make this connection hold: its payload, and what its reply may carry (a READ's data,
     * a control answer, block status descriptors, a mebibyte of CACHE read). Never more than the whole budget, so
     * that one request always fits once the connection holds nothing.
     */
    private long cost(int type, long length, long payload) {
        long reply = 0;
        if (length >= 0 && length <= maxPayload && type == Command.READ.value()) {
            reply = length;
        } else if (type == Command.BLOCK_STATUS.value()) {
            reply = BLOCK_STATUS_COST;
        } else if (type == Command.CACHE.value()) {
            reply = CACHE_CHUNK;
        } else if (type == EnbdExtension.CMD_CONTROL) {
            reply = payload + CONTROL_REPLY_COST;
        }
        return Math.min(REQUEST_COST + payload + reply, connectionBudget);
    }

    private static long cost(RequestDispatcher d, Request request) {
        return d.cost(request.type(), request.length(),
                request.payload() == null ? 0 : request.payload().readableBytes());
    }

    /** A request's reply has left for the socket (or never will): its bytes go back, and held requests go on. */
    private void release(long cost) {
        if (budgetReturned) {
            return;
        }
        held -= cost;
        holding--;
        serverBudget.release(cost);
        if (decoder.isHeld()) {
            scheduleRetry();
        } else if (!inactive) {
            updateReading();
        }
    }

    /** From any thread: the held decoder tries its request again on the loop (never re-entered from a write). */
    private void scheduleRetry() {
        ChannelHandlerContext c = ctx;
        if (c != null) {
            c.executor().execute(this::retry);
        }
    }

    private void retry() {
        if (gone() || !decoder.isHeld()) {
            return;
        }
        ChannelHandlerContext decoderContext = ctx.pipeline().context(decoder);
        if (decoderContext == null) {
            return;
        }
        try {
            decoder.resume(decoderContext);
        } catch (Exception e) {
            exceptionCaught(ctx, e);
            return;
        }
        updateReading();
    }

    /**
     * The channel has closed, whether or not channelInactive has reached this handler yet: Netty closes a channel
     * whose write fails and fails the writes still queued (their listeners give bytes back and schedule
     * {@link #retry}) before it fires channelInactive, as a later task on the loop.
     */
    private boolean gone() {
        return inactive || (ctx != null && !ctx.channel().isActive());
    }

    private void stopReading() {
        if (ctx != null && ctx.channel().config().isAutoRead()) {
            ctx.channel().config().setAutoRead(false);
        }
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

    /**
     * An event about the export, from any thread: the size the requests are checked against follows a size
     * change, and a client that negotiated ENBD's extension is told (standard clients never see it).
     */
    public void event(ExportEvent event) {
        if (ctx == null) {
            return;
        }
        ctx.executor().execute(() -> {
            if (event instanceof ExportEvent.SizeChanged s) {
                check.resize(s.size());
            }
            if (negotiated.enbd() && !inactive && !closing) {
                write(replies.event(EnbdExtension.encodeEvent(event, ctx.alloc())));
            }
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
        long cost = cost(this, request);
        if (closing || gone()) {
            request.release(); // nothing may follow NBD_CMD_DISC, nor be served for a peer gone
            release(cost);
            return;
        }
        Command command;
        try {
            command = check.check(request);
        } catch (NbdException e) {
            request.release();
            if (negotiated.unanswered(request)) {
                unanswered.failed(e.error().value(), e.getMessage()); // told by the next FLUSH, never by a reply
                release(cost);
                return;
            }
            write(replies.error(request, e.error().value(), e.getMessage()), cost);
            return;
        }
        if (command == Command.DISC) {
            request.release();
            release(cost);
            closing = true;
            ctx.channel().config().setAutoRead(false);
            closeIfIdle();
            return;
        }
        if (draining) {
            request.release();
            write(replies.error(request, NbdError.ESHUTDOWN.value(), "server is shutting down"), cost);
            return;
        }
        inFlight++;
        if (command == Command.WRITE && negotiated.unanswered(request)) {
            startUnanswered(request, cost);
            return;
        }
        if (command == Command.FLUSH && unanswered.pendingBefore()) {
            // the FLUSH answers for the unanswered writes received before it: it starts once they have completed
            unanswered.afterPending(() -> startAndAnswer(Command.FLUSH, request, cost));
            return;
        }
        startAndAnswer(command, request, cost);
    }

    private void startAndAnswer(Command command, Request request, long cost) {
        CompletionStage<?> stage;
        try {
            stage = start(command, request, ctx.alloc());
        } catch (Throwable failure) {
            // a layer that throws instead of failing its stage is answered the same way
            stage = CompletableFuture.failedFuture(failure);
        }
        if (command == Command.FLUSH && unanswered.hasFailure()) {
            // the flush still runs; its answer is the failure of a write that had none (once, as fsync reports)
            NbdException failure = unanswered.takeFailure();
            stage = stage.<Object>handle((done, flushFailure) -> {
                throw new java.util.concurrent.CompletionException(failure);
            });
        }
        stage.whenComplete(new Completion(command, request, cost));
    }

    /**
     * A WRITE the client asked not to be answered (async no-ack): served like any other, its bytes given back when
     * it completes, and its failure kept for the next FLUSH on this connection.
     */
    private void startUnanswered(Request request, long cost) {
        long id = unanswered.started();
        long offset = request.offset();
        long length = request.length();
        CompletionStage<?> stage;
        try {
            stage = request.payload().isReadable()
                    ? withFua(request, layer.write(offset, request.payload(), negotiated.flagsForLayer(request)))
                    : DONE;
        } catch (Throwable failure) {
            stage = CompletableFuture.failedFuture(failure);
        }
        stage.whenComplete((done, failure) -> {
            request.release();
            Runnable finished = () -> {
                if (failure != null) {
                    RequestFailure f = RequestFailure.of(failure, request, peer);
                    unanswered.failed(f.error().value(), "unanswered WRITE [" + offset + "+" + length + "]: "
                            + f.message());
                }
                unanswered.completed(id);
                inFlight--;
                release(cost);
                closeLayerIfDone();
                closeIfIdle();
            };
            if (ctx.executor().inEventLoop()) {
                finished.run();
            } else {
                ctx.executor().execute(finished);
            }
        });
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        updateReading();
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        inactive = true;
        if (!budgetReturned) {
            budgetReturned = true;
            serverBudget.release(held);
            held = 0;
        }
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

    /** Starts a checked request on the stack: the one mapping of commands onto layer calls. */
    private CompletionStage<?> start(Command command, Request request, ByteBufAllocator alloc) {
        long offset = request.offset();
        long length = request.length();
        return switch (command) {
            case READ -> length == 0 ? CompletableFuture.completedFuture(Unpooled.EMPTY_BUFFER)
                    : layer.read(offset, (int) length, request.flags(), alloc);
            case WRITE -> request.payload().isReadable()
                    ? withFua(request, layer.write(offset, request.payload(), negotiated.flagsForLayer(request)))
                    : DONE;
            case FLUSH -> layer.flush(0);
            case TRIM -> length > 0
                    ? withFua(request, layer.trim(offset, length, negotiated.flagsForLayer(request))) : DONE;
            case WRITE_ZEROES -> length > 0
                    ? withFua(request, layer.zero(offset, length, negotiated.flagsForLayer(request))) : DONE;
            case CACHE -> negotiated.capabilities().cache() == Support.EMULATE
                    ? cacheByReading(offset, offset + length, alloc) : layer.cache(offset, length, 0);
            case BLOCK_STATUS -> blockStatus(request);
            case ENBD_CONTROL -> control((int) offset, request.payload(), alloc);
            case DISC, RESIZE -> throw new IllegalStateException(command + " reached start");
        };
    }

    private CompletionStage<ExtentCollector> blockStatus(Request request) {
        ExtentCollector collector = new ExtentCollector(request.length(),
                RequestFlags.has(request.flags(), RequestFlags.REQ_ONE), MAX_EXTENTS);
        if (!negotiated.capabilities().extents()) {
            return CompletableFuture.completedFuture(collector);
        }
        return layer.extents(request.offset(), request.length(), request.flags(), collector)
                .thenApply(done -> collector);
    }

    /** The engine's own control messages are answered here; every other type goes down the stack. */
    private CompletionStage<ByteBuf> control(int type, ByteBuf data, ByteBufAllocator alloc) {
        if (type == EnbdExtension.CONTROL_PING) {
            return CompletableFuture.completedFuture(data.retainedDuplicate());
        }
        return layer.control(type, data, alloc);
    }

    /** FUA the stack only emulates becomes a flush once the operation has completed. */
    private CompletionStage<Void> withFua(Request request, CompletionStage<Void> operation) {
        return negotiated.emulatedFua(request) ? operation.thenCompose(done -> layer.flush(0)) : operation;
    }

    /** CACHE on a stack that cannot prefetch: reads the range and drops the data, one chunk at a time. */
    private CompletionStage<Void> cacheByReading(long at, long end, ByteBufAllocator alloc) {
        if (at >= end) {
            return DONE;
        }
        int chunk = (int) Math.min(end - at, CACHE_CHUNK);
        return layer.read(at, chunk, 0, alloc).thenCompose(data -> {
            data.release();
            return cacheByReading(at + chunk, end, alloc);
        });
    }

    /**
     * One object per request (not a chain of lambdas): maps the stage's outcome to the reply, failures through
     * {@link RequestFailure} (the one place errors are mapped), and hands it to the loop.
     */
    private final class Completion implements BiConsumer<Object, Throwable>, Runnable {
        private final Command command;
        private final Request request;
        private final long cost;
        private Reply reply;

        Completion(Command command, Request request, long cost) {
            this.command = command;
            this.request = request;
            this.cost = cost;
        }

        @Override
        public void accept(Object result, Throwable failure) {
            try {
                if (failure != null) {
                    RequestFailure f = RequestFailure.of(failure, request, peer);
                    reply = replies.error(request, f.error().value(), f.message());
                } else {
                    reply = switch (command) {
                        case READ -> replies.data(request, (ByteBuf) result);
                        case BLOCK_STATUS -> replies.blockStatus(request, negotiated.allocationContextId(),
                                ((ExtentCollector) result).extents());
                        case ENBD_CONTROL -> replies.control(request, (ByteBuf) result);
                        default -> replies.ok(request);
                    };
                }
            } finally {
                request.release();
            }
            if (ctx.executor().inEventLoop()) {
                run();
            } else {
                ctx.executor().execute(this);
            }
        }

        /** On the event loop: the reply goes out and the request leaves the in-flight count. */
        @Override
        public void run() {
            finish(reply, cost);
        }
    }

    private void finish(Reply reply, long cost) {
        inFlight--;
        if (inactive) {
            reply.release();
            release(cost);
            closeLayerIfDone();
            return;
        }
        write(reply, cost);
        updateReading();
        closeIfIdle();
    }

    /** Pushed events hold no request's bytes. */
    private void write(Reply reply) {
        ctx.writeAndFlush(reply, ctx.voidPromise());
    }

    /** A request's reply: its bytes go back once the reply has been written to the socket (or failed to be). */
    private void write(Reply reply, long cost) {
        ChannelFuture written = ctx.writeAndFlush(reply);
        if (written.isDone()) {
            release(cost);
        } else {
            written.addListener((ChannelFutureListener) f -> release(cost));
        }
    }

    private void updateReading() {
        boolean read = !closing && !decoder.isHeld() && holding < maxInFlight && ctx.channel().isWritable();
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
}
