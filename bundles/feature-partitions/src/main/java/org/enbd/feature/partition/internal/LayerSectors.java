package org.enbd.feature.partition.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.layer.BlockSizes;
import org.enbd.api.layer.Layer;

/**
 * The disk below the feature as {@link Sectors}: reads through the next layer, waiting on its stages. Only for
 * {@link org.enbd.api.layer.AttachedFeature#open}, which runs off the event loop. Each read is widened to the
 * layer's minimum block size and cut into requests no larger than its maximum payload, so a layer with 4 KiB
 * sectors is asked only what it accepts.
 */
final class LayerSectors implements Sectors {
    private final Layer next;
    private final long size;
    private final BlockSizes blocks;
    private final long timeoutMillis;

    LayerSectors(Layer next, long size, BlockSizes blocks, long timeoutMillis) {
        this.next = next;
        this.size = size;
        this.blocks = blocks;
        this.timeoutMillis = timeoutMillis;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public ByteBuffer read(long offset, int length) throws NbdException {
        if (offset < 0 || length < 0 || offset > size || length > size - offset) {
            throw new NbdException(NbdError.EINVAL, "bytes " + offset + " to " + (offset + length)
                    + " are not inside the disk (" + size + " bytes)");
        }
        long start = offset - offset % blocks.minimum();
        long end = Math.min(size, roundUp(offset + length));
        byte[] bytes = new byte[(int) (end - start)];
        int chunk = blocks.maximum() - blocks.maximum() % blocks.minimum();
        for (int done = 0; done < bytes.length; ) {
            int n = Math.min(chunk, bytes.length - done);
            ByteBuf data = await(next.read(start + done, n, 0, ByteBufAllocator.DEFAULT));
            try {
                data.getBytes(data.readerIndex(), bytes, done, n);
            } finally {
                data.release();
            }
            done += n;
        }
        int skip = (int) (offset - start);
        byte[] wanted = skip == 0 && bytes.length == length ? bytes
                : java.util.Arrays.copyOfRange(bytes, skip, skip + length);
        return ByteBuffer.wrap(wanted).order(ByteOrder.LITTLE_ENDIAN);
    }

    private long roundUp(long at) {
        long rest = at % blocks.minimum();
        return rest == 0 ? at : at + blocks.minimum() - rest;
    }

    private <T> T await(java.util.concurrent.CompletionStage<T> stage) throws NbdException {
        try {
            return stage.toCompletableFuture().get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NbdException(NbdError.EIO, "interrupted while reading the partition table");
        } catch (TimeoutException e) {
            throw new NbdException(NbdError.EIO, "the disk did not answer within " + timeoutMillis
                    + " ms while the partition table was read");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            while (cause instanceof CompletionException && cause.getCause() != null) {
                cause = cause.getCause();
            }
            if (cause instanceof NbdException n) {
                throw new NbdException(n.error(), "reading the partition table: " + n.getMessage(), n);
            }
            throw new NbdException(NbdError.EIO, "reading the partition table: " + cause, cause);
        }
    }
}
