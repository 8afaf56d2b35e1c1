package org.enbd.ioctl.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.layer.ForwardingLayer;
import org.enbd.api.layer.Layer;
import org.enbd.ioctl.Ioctl;
import org.enbd.ioctl.IoctlControl;

/**
 * One connection's view of the ioctl feature: answers {@link IoctlControl#CALL} and {@link IoctlControl#LIST},
 * passes everything else on. An allowed call is offered to the layers below first (a backend that holds the
 * medium runs it on its own descriptor) and run on the device by the feature when they do not understand it.
 */
final class IoctlLayer extends ForwardingLayer {
    private final DeviceCalls calls;
    private final String peer;

    IoctlLayer(Layer next, DeviceCalls calls, String peer) {
        super(next);
        this.calls = calls;
        this.peer = peer;
    }

    @Override
    public CompletionStage<ByteBuf> control(int type, ByteBuf data, ByteBufAllocator alloc) {
        return switch (type) {
            case IoctlControl.CALL -> call(data, alloc);
            case IoctlControl.LIST -> CompletableFuture.completedFuture(alloc.buffer().writeBytes(
                    String.join("\n", calls.policy().names(calls.table())).getBytes(StandardCharsets.UTF_8)));
            default -> next.control(type, data, alloc);
        };
    }

    private CompletionStage<ByteBuf> call(ByteBuf data, ByteBufAllocator alloc) {
        IoctlControl.Request request;
        Ioctl ioctl;
        try {
            request = IoctlControl.Request.decode(data.duplicate());
            ioctl = calls.check(request, peer);
        } catch (IllegalArgumentException e) {
            return Layer.failed(NbdError.EINVAL, e.getMessage());
        } catch (NbdException e) {
            return CompletableFuture.failedFuture(e);
        }
        ByteBuf offered = request.encode(alloc);
        CompletionStage<ByteBuf> below;
        try {
            below = next.control(IoctlControl.CALL, offered, alloc);
        } catch (RuntimeException e) {
            below = CompletableFuture.failedFuture(e);
        }
        return below.handle((reply, failure) -> {
            offered.release();
            if (failure == null) {
                return CompletableFuture.completedStage(reply);
            }
            if (unwrap(failure) instanceof NbdException n && n.error() == NbdError.ENOTSUP) {
                return calls.run(ioctl, request, peer).thenApply(r -> r.encode(alloc));
            }
            return CompletableFuture.<ByteBuf>failedStage(failure);
        }).thenCompose(stage -> stage);
    }

    private static Throwable unwrap(Throwable failure) {
        Throwable t = failure;
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
