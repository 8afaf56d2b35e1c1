package org.enbd.api.layer;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.concurrent.CompletionStage;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A layer that answers without holding a thread while it waits: the client engine's remote device, whose
 * requests wait on the network, not on a disk. When the layer a connection is served from implements this, the
 * engine calls these methods on the event loop and completes the reply when the stage completes, instead of
 * parking a thread per request in the blocking methods. Features stay simple and synchronous; a feature that
 * wraps an asynchronous layer gives this up unless it implements it too.
 *
 * <p>The methods must not block. Stages may complete on any thread; a failed stage carries an
 * {@link org.enbd.api.NbdException} (possibly wrapped in a CompletionException). {@code data} of
 * {@link #writeAsync} is borrowed until the stage completes: the caller keeps it alive until then.
 */
@ConsumerType
public interface AsyncLayer extends Layer {

    CompletionStage<ByteBuf> readAsync(long offset, int length, int flags, ByteBufAllocator alloc);

    CompletionStage<Void> writeAsync(long offset, ByteBuf data, int flags);

    CompletionStage<Void> flushAsync(int flags);

    CompletionStage<Void> trimAsync(long offset, long length, int flags);

    CompletionStage<Void> zeroAsync(long offset, long length, int flags);

    CompletionStage<Void> cacheAsync(long offset, long length, int flags);

    /** Block status stays synchronous: it is rare, and its sink is filled in the caller's thread. */
    @Override
    default boolean mayBlock() {
        return true;
    }
}
