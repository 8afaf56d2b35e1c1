package org.enbd.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.flush.FlushConsolidationHandler;
import java.util.concurrent.CompletableFuture;
import org.enbd.api.layer.Capabilities;
import org.enbd.api.layer.ExportEvent;
import org.enbd.api.layer.Layer;
import org.enbd.api.layer.Support;
import org.enbd.protocol.ReplyEncoder;
import org.enbd.protocol.ReplyFormat;
import org.enbd.protocol.RequestDecoder;
import org.enbd.protocol.TransmissionFlags;
import org.enbd.server.internal.HeldReadGate;
import org.enbd.server.internal.Negotiated;
import org.enbd.server.internal.RequestDispatcher;

/**
 * The transmission phase on one connected channel: request decoder, reply encoder and dispatcher. The server's
 * handshake installs it after NBD_OPT_GO or NBD_OPT_EXPORT_NAME; the kernel relay installs it directly on its end
 * of a socketpair, since the kernel speaks only this phase (compact headers, simple replies).
 */
public final class TransmissionPhase {
    /** Pipeline names of the handlers installed. */
    public static final String DECODER = "nbd-request-decoder";
    public static final String ENCODER = "nbd-reply-encoder";
    public static final String DISPATCHER = "nbd-dispatcher";
    public static final String FLUSHER = "nbd-flush";
    /** Drops the reads the request decoder asks for while it holds a request: see {@link HeldReadGate}. */
    public static final String READ_GATE = "nbd-read-gate";

    /** Outbound bytes queued above which the connection stops reading requests (and below which it resumes). */
    private static final WriteBufferWaterMark REPLY_WATER_MARK = new WriteBufferWaterMark(1 << 20, 4 << 20);

    private final Channel channel;
    private final RequestDispatcher dispatcher;

    private TransmissionPhase(Channel channel, RequestDispatcher dispatcher) {
        this.channel = channel;
        this.dispatcher = dispatcher;
    }

    /**
     * Installs the transmission phase on {@code channel} (added last to its pipeline) without block status: what
     * the kernel relay uses, with {@link ReplyFormat#SIMPLE}.
     */
    public static TransmissionPhase install(Channel channel, Layer layer, Capabilities capabilities, long size,
            ReplyFormat format, ServerLimits limits) {
        return install(channel, layer, capabilities, size, format, 0, false, limits);
    }

    /**
     * Installs the transmission phase on {@code channel}, added last to its pipeline. The phase owns {@code layer}
     * from now on and closes it after the channel has closed and the last request has finished.
     *
     * @param capabilities        what {@code layer} said it can do (asked once, by the caller)
     * @param format              the reply framing agreed (SIMPLE for the kernel)
     * @param allocationContextId the id the handshake gave {@code base:allocation}, or 0 when not negotiated
     * @param enbd                ENBD's extension channel was negotiated: control requests are accepted and
     *                            {@link #event}s are pushed to the client
     */
    public static TransmissionPhase install(Channel channel, Layer layer, Capabilities capabilities, long size,
            ReplyFormat format, int allocationContextId, boolean enbd, ServerLimits limits) {
        return install(channel, layer, capabilities, size, format, allocationContextId, enbd, false, limits,
                new MemoryBudget(limits.serverBudget()));
    }

    /** As below, without writes that go unanswered. */
    public static TransmissionPhase install(Channel channel, Layer layer, Capabilities capabilities, long size,
            ReplyFormat format, int allocationContextId, boolean enbd, ServerLimits limits, MemoryBudget shared) {
        return install(channel, layer, capabilities, size, format, allocationContextId, enbd, false, limits, shared);
    }

    /**
     * As above, with the memory budget this connection shares with the server's others: it holds at most
     * {@link ServerLimits#connectionBudget()} bytes of its own and waits while {@code shared} is used up;
     * {@code noReply}: the client negotiated writes without replies (EnbdExtension.OPTION_NO_REPLY).
     */
    public static TransmissionPhase install(Channel channel, Layer layer, Capabilities capabilities, long size,
            ReplyFormat format, int allocationContextId, boolean enbd, boolean noReply, ServerLimits limits,
            MemoryBudget shared) {
        Negotiated negotiated = new Negotiated(size, capabilities, transmissionFlags(capabilities, format), format,
                allocationContextId, enbd, noReply && enbd);
        RequestDecoder decoder = new RequestDecoder(limits.maxPayload(), format == ReplyFormat.EXTENDED);
        decoder.setEnbd(enbd);
        RequestDispatcher dispatcher = new RequestDispatcher(layer, negotiated, limits.maxPayload(),
                limits.maxInFlight(), decoder, limits.connectionBudget(), shared);
        // Netty's default high water mark (64 KiB) is less than one 1 MiB READ reply: the dispatcher stopped reading
        // after every large reply (autoRead off and on: two epoll_ctl per request in strace) and so took a client's
        // pipelined reads one per loop turn. Replies of memory exports are slices of its pages; maxInFlight bounds
        // the rest.
        channel.config().setWriteBufferWaterMark(REPLY_WATER_MARK);
        ChannelPipeline pipeline = channel.pipeline();
        // flushes from many finished requests are merged into one write(2), in and outside a read batch
        pipeline.addLast(FLUSHER, new FlushConsolidationHandler(256, true));
        pipeline.addLast(READ_GATE, new HeldReadGate(decoder::isHeld));
        pipeline.addLast(DECODER, decoder);
        pipeline.addLast(ENCODER, new ReplyEncoder(format));
        pipeline.addLast(DISPATCHER, dispatcher);
        return new TransmissionPhase(channel, dispatcher);
    }

    /**
     * The transmission flags advertised for a stack with these capabilities: the one place they are derived, so
     * what is advertised is what the stack does.
     */
    public static int transmissionFlags(Capabilities c, ReplyFormat format) {
        int flags = TransmissionFlags.HAS_FLAGS;
        if (!c.writable()) {
            flags |= TransmissionFlags.READ_ONLY;
        } else {
            flags |= c.fua() != Support.NONE ? TransmissionFlags.SEND_FUA : 0;
            flags |= c.trim() ? TransmissionFlags.SEND_TRIM : 0;
            flags |= c.zero() != Support.NONE ? TransmissionFlags.SEND_WRITE_ZEROES : 0;
            flags |= c.zero() != Support.NONE && c.fastZero() ? TransmissionFlags.SEND_FAST_ZERO : 0;
        }
        flags |= c.flush() ? TransmissionFlags.SEND_FLUSH : 0;
        flags |= format != ReplyFormat.SIMPLE ? TransmissionFlags.SEND_DF : 0;
        flags |= c.multiConn() ? TransmissionFlags.CAN_MULTI_CONN : 0;
        flags |= c.cache() != Support.NONE ? TransmissionFlags.SEND_CACHE : 0;
        flags |= c.rotational() ? TransmissionFlags.ROTATIONAL : 0;
        return flags;
    }

    /**
     * An event about the served export, from any thread: requests are checked against a changed size from now
     * on, and a client that negotiated ENBD's extension is told.
     */
    public void event(ExportEvent event) {
        dispatcher.event(event);
    }

    public Channel channel() {
        return channel;
    }

    /**
     * Server shutdown: requests already received finish and are answered, later ones get ESHUTDOWN, then the
     * channel closes. Returns {@link #closed()}.
     */
    public CompletableFuture<Void> drain() {
        dispatcher.drain();
        return closed();
    }

    /** Completes when the channel has closed and the layer has been closed. */
    public CompletableFuture<Void> closed() {
        return dispatcher.closed();
    }
}
