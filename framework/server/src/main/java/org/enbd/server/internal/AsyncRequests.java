package org.enbd.server.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.enbd.api.layer.AsyncLayer;
import org.enbd.api.layer.Support;
import org.enbd.protocol.Command;
import org.enbd.protocol.Reply;
import org.enbd.protocol.Request;

/**
 * Runs checked requests on an {@link AsyncLayer} without a thread per request: the layer is called on the event
 * loop and the reply is built when its stage completes. Each stage is mapped to a reply here, failures included
 * (through {@link RequestFailure}, the one place errors are mapped), so the stage returned never fails.
 *
 * <p>BLOCK_STATUS, and CACHE when the stack only emulates it, are not asynchronous in the API: {@link #handles}
 * says so, and the dispatcher runs them on its blocking executor instead.
 */
final class AsyncRequests {
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private final AsyncLayer layer;
    private final Negotiated negotiated;
    private final Replies replies;

    AsyncRequests(AsyncLayer layer, Negotiated negotiated, Replies replies) {
        this.layer = layer;
        this.negotiated = negotiated;
        this.replies = replies;
    }

    /** Whether {@code command} has an asynchronous form. */
    boolean handles(Command command) {
        return switch (command) {
            case READ, WRITE, FLUSH, TRIM, WRITE_ZEROES -> true;
            case CACHE -> negotiated.capabilities().cache() != Support.EMULATE;
            case BLOCK_STATUS, DISC, RESIZE -> false;
        };
    }

    /**
     * Starts {@code request} on the layer; {@code done} gets the reply (an error reply when the layer failed), on
     * whichever thread completed the stage. The request is released when the layer is done with it (a WRITE's
     * payload is borrowed until then).
     */
    void execute(Command command, Request request, ByteBufAllocator alloc, String peer, Consumer<Reply> done) {
        CompletionStage<?> stage;
        try {
            stage = start(command, request, alloc);
        } catch (Throwable failure) {
            // a layer that throws instead of failing its stage is answered the same way
            stage = CompletableFuture.failedFuture(failure);
        }
        stage.whenComplete(new Completion(command, request, peer, done));
    }

    /** One object per request (not a chain of lambdas): maps the stage's outcome to the reply. */
    private final class Completion implements BiConsumer<Object, Throwable> {
        private final Command command;
        private final Request request;
        private final String peer;
        private final Consumer<Reply> done;

        Completion(Command command, Request request, String peer, Consumer<Reply> done) {
            this.command = command;
            this.request = request;
            this.peer = peer;
            this.done = done;
        }

        @Override
        public void accept(Object result, Throwable failure) {
            Reply reply;
            try {
                if (failure != null) {
                    RequestFailure f = RequestFailure.of(failure, request, peer);
                    reply = replies.error(request, f.error().value(), f.message());
                } else if (command == Command.READ) {
                    reply = replies.data(request, (ByteBuf) result);
                } else {
                    reply = replies.ok(request);
                }
            } finally {
                request.release();
            }
            done.accept(reply);
        }
    }

    private CompletionStage<?> start(Command command, Request request, ByteBufAllocator alloc) {
        long offset = request.offset();
        long length = request.length();
        return switch (command) {
            case READ -> length == 0 ? CompletableFuture.completedFuture(Unpooled.EMPTY_BUFFER)
                    : layer.readAsync(offset, (int) length, request.flags(), alloc);
            case WRITE -> request.payload().isReadable()
                    ? withFua(request, layer.writeAsync(offset, request.payload(), negotiated.flagsForLayer(request)))
                    : DONE;
            case FLUSH -> layer.flushAsync(0);
            case TRIM -> length > 0
                    ? withFua(request, layer.trimAsync(offset, length, negotiated.flagsForLayer(request))) : DONE;
            case WRITE_ZEROES -> length > 0
                    ? withFua(request, layer.zeroAsync(offset, length, negotiated.flagsForLayer(request))) : DONE;
            case CACHE -> layer.cacheAsync(offset, length, 0);
            case BLOCK_STATUS, DISC, RESIZE -> throw new IllegalStateException(command + " has no asynchronous form");
        };
    }

    /** FUA the stack only emulates becomes a flush once the operation has completed. */
    private CompletionStage<Void> withFua(Request request, CompletionStage<Void> operation) {
        return negotiated.emulatedFua(request) ? operation.thenCompose(done -> layer.flushAsync(0)) : operation;
    }
}
