package org.enbd.api.layer;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;

/**
 * Tests' blocking view of a {@link Layer}: each call waits (at most a minute) for the stage and throws the
 * {@link NbdException} it failed with, so a specification reads as plain calls. Never for production code: the
 * contract is that nothing waits on a stage on an event loop.
 */
public final class SyncLayer {
    private final Layer layer;

    public SyncLayer(Layer layer) {
        this.layer = layer;
    }

    public ByteBuf read(long offset, int length, ByteBufAllocator alloc) throws NbdException {
        return await(layer.read(offset, length, 0, alloc));
    }

    public void write(long offset, ByteBuf data, int flags) throws NbdException {
        await(layer.write(offset, data, flags));
    }

    public ByteBuf read(long offset, int length, int flags, ByteBufAllocator alloc) throws NbdException {
        return await(layer.read(offset, length, flags, alloc));
    }

    public void flush() throws NbdException {
        await(layer.flush(0));
    }

    public void flush(int flags) throws NbdException {
        await(layer.flush(flags));
    }

    public void cache(long offset, long length, int flags) throws NbdException {
        await(layer.cache(offset, length, flags));
    }

    public ByteBuf control(int type, ByteBuf data, ByteBufAllocator alloc) throws NbdException {
        return await(layer.control(type, data, alloc));
    }

    public void trim(long offset, long length, int flags) throws NbdException {
        await(layer.trim(offset, length, flags));
    }

    public void zero(long offset, long length, int flags) throws NbdException {
        await(layer.zero(offset, length, flags));
    }

    public void extents(long offset, long length, int flags, ExtentSink sink) throws NbdException {
        await(layer.extents(offset, length, flags, sink));
    }

    public void cache(long offset, long length) throws NbdException {
        await(layer.cache(offset, length, 0));
    }

    /** Waits for {@code stage}; its NbdException is thrown as it is, anything else as EIO. */
    public static <T> T await(CompletionStage<T> stage) throws NbdException {
        try {
            return stage.toCompletableFuture().get(1, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NbdException(NbdError.EIO, "interrupted");
        } catch (TimeoutException e) {
            throw new NbdException(NbdError.EIO, "no answer within a minute");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            while (cause instanceof CompletionException && cause.getCause() != null) {
                cause = cause.getCause();
            }
            if (cause instanceof NbdException n) {
                throw n;
            }
            throw new NbdException(NbdError.EIO, String.valueOf(cause), cause);
        }
    }
}
