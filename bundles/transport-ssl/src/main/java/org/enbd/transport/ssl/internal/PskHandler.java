package org.enbd.transport.ssl.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Promise;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLHandshakeException;
import org.bouncycastle.tls.TlsClientProtocol;
import org.bouncycastle.tls.TlsProtocol;
import org.bouncycastle.tls.TlsServerProtocol;

/**
 * bctls's non-blocking TLS protocol as a Netty handler, for TLS-PSK (what {@code SslHandler} does for JSSE): bytes
 * read are offered to the protocol, what it has to send is written, decrypted data goes up the pipeline, and
 * application writes are encrypted once the handshake is complete (queued until then). Like SslHandler it tells the
 * pipeline how the handshake ended with an {@link SslHandshakeCompletionEvent}, a refusal as an
 * {@link SSLHandshakeException} (the client engine takes that as final), a connection lost as a
 * {@link ClosedChannelException}. On the server, as with SslHandler's {@code startTls}, the first write passes in
 * clear: it is the STARTTLS acknowledgement, written after this handler was added. Runs on the channel's event loop
 * only.
 */
final class PskHandler extends ChannelDuplexHandler {
    private record Pending(Object message, ChannelPromise promise) {
    }

    /** How the protocol starts (accept or connect) when the handler is added. */
    @FunctionalInterface
    private interface Start {
        void run() throws IOException;
    }

    private final TlsProtocol protocol;
    private final Start start;
    private final BooleanSupplier complete;
    private final Queue<Pending> pending = new ArrayDeque<>();
    private final String refusal;
    private final Promise<Void> handshake;
    private boolean clearWritePassed;
    private boolean failed;

    private PskHandler(TlsProtocol protocol, Start start, BooleanSupplier complete, boolean firstWriteClear,
                       io.netty.util.concurrent.EventExecutor loop, String refusal) {
        this.protocol = protocol;
        this.refusal = refusal;
        this.start = start;
        this.complete = complete;
        this.clearWritePassed = !firstWriteClear;
        this.handshake = loop.newPromise();
    }

    /** The server's side: the first write (the STARTTLS ACK) passes in clear. */
    static PskHandler server(PskServer server, io.netty.util.concurrent.EventExecutor loop) {
        TlsServerProtocol protocol = new TlsServerProtocol();
        return new PskHandler(protocol, () -> protocol.accept(server), server::complete, true, loop, null);
    }

    /**
     * The client's side: sends its hello as soon as it is added (after the server's STARTTLS ACK).
     *
     * @param refusal what a refused handshake most likely means, added to its reason
     */
    static PskHandler client(PskClient client, io.netty.util.concurrent.EventExecutor loop, String refusal) {
        TlsClientProtocol protocol = new TlsClientProtocol();
        return new PskHandler(protocol, () -> protocol.connect(client), client::complete, false, loop, refusal);
    }

    /** Completes when the handshake does, or fails with why. */
    Promise<Void> handshakeFuture() {
        return handshake;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        try {
            start.run();
        } catch (IOException e) {
            fail(ctx, e);
            return;
        }
        sendOutput(ctx, ctx.voidPromise()); // the client's hello; nothing yet on the server
        ctx.flush();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf in)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            protocol.offerInput(ByteBufUtil.getBytes(in));
        } catch (IOException e) {
            fail(ctx, e);
            return;
        } finally {
            in.release();
        }
        sendOutput(ctx, ctx.voidPromise());
        ctx.flush();
        if (complete.getAsBoolean() && !handshake.isDone()) {
            handshake.setSuccess(null);
            Pending next;
            while ((next = pending.poll()) != null) {
                encrypt(ctx, next.message(), next.promise());
            }
            ctx.flush();
            ctx.fireUserEventTriggered(SslHandshakeCompletionEvent.SUCCESS);
        }
        int available = protocol.getAvailableInputBytes();
        if (available > 0) {
            byte[] plain = new byte[available];
            protocol.readInput(plain, 0, available);
            ctx.fireChannelRead(Unpooled.wrappedBuffer(plain));
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!clearWritePassed) {
            clearWritePassed = true;
            ctx.write(msg, promise);
        } else if (failed) {
            ReferenceCountUtil.release(msg);
            promise.tryFailure(new ClosedChannelException());
        } else if (!handshake.isDone()) {
            pending.add(new Pending(msg, promise));
        } else {
            encrypt(ctx, msg, promise);
        }
    }

    private void encrypt(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof ByteBuf plain)) {
            ctx.write(msg, promise);
            return;
        }
        try {
            byte[] bytes = ByteBufUtil.getBytes(plain);
            protocol.writeApplicationData(bytes, 0, bytes.length);
        } catch (IOException e) {
            promise.tryFailure(e);
            fail(ctx, e);
            return;
        } finally {
            plain.release();
        }
        sendOutput(ctx, promise);
    }

    /** Writes what the protocol has to send (records, alerts) and completes {@code promise} with that write. */
    private void sendOutput(ChannelHandlerContext ctx, ChannelPromise promise) {
        int available = protocol.getAvailableOutputBytes();
        if (available > 0) {
            byte[] records = new byte[available];
            protocol.readOutput(records, 0, available);
            ctx.write(Unpooled.wrappedBuffer(records), promise);
        } else if (!promise.isVoid()) {
            promise.trySuccess();
        }
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        if (!failed && !protocol.isClosed()) {
            try {
                protocol.close(); // close_notify
            } catch (IOException e) {
                // closing anyway
            }
            sendOutput(ctx, ctx.voidPromise());
            ctx.flush();
        }
        ctx.close(promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        ClosedChannelException closed = new ClosedChannelException();
        closed.initCause(new IOException("the peer closed the connection during the handshake"
                + (refusal == null ? "" : "; if on purpose, " + refusal)));
        if (handshake.tryFailure(closed)) {
            failed = true;
            ctx.fireUserEventTriggered(new SslHandshakeCompletionEvent(closed));
        }
        failPending(new ClosedChannelException());
        ctx.fireChannelInactive();
    }

    private void fail(ChannelHandlerContext ctx, IOException cause) {
        failed = true;
        sendOutput(ctx, ctx.voidPromise()); // the alert the protocol raised
        ctx.flush();
        if (handshake.tryFailure(cause)) {
            SSLHandshakeException refused = new SSLHandshakeException(cause.getMessage()
                    + (refusal == null ? "" : " (" + refusal + ")"));
            refused.initCause(cause);
            ctx.fireUserEventTriggered(new SslHandshakeCompletionEvent(refused));
        }
        failPending(cause);
        ctx.fireExceptionCaught(cause);
        ctx.close();
    }

    private void failPending(Throwable cause) {
        Pending next;
        while ((next = pending.poll()) != null) {
            ReferenceCountUtil.release(next.message());
            next.promise().tryFailure(cause);
        }
    }
}
