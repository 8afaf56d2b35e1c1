package org.enbd.feature.cow.internal;

import io.netty.buffer.ByteBuf;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;

/**
 * An overlay in memory: a heap array per DATA block, replaced whole on each change (a reader holds either the old
 * array or the new one, never a half-written one). It is lost when the export or connection goes; at most
 * {@code limit} bytes are held, and a change beyond fails with ENOSPC.
 */
final class MemoryOverlay extends Overlay {
    private final Map<Integer, byte[]> blocks = new ConcurrentHashMap<>();
    private final long limit;

    MemoryOverlay(long size, int blockSize, SerialQueue queue, long limit) throws NbdException {
        super(size, blockSize, queue);
        this.limit = limit;
    }

    @Override
    boolean blocking() {
        return false;
    }

    @Override
    void read(long block, int from, ByteBuf into, int at, int length) {
        byte[] bytes = blocks.get((int) block);
        if (bytes == null) { // zeroed or dropped since the reader looked: a request that overlapped the change
            into.setZero(at, length);
        } else {
            into.setBytes(at, bytes, from, length);
        }
    }

    @Override
    void put(long block, ByteBuf data, int index) throws NbdException {
        if (limit > 0 && state(block) != DATA && (dataBlocks() + 1) * blockSize > limit) {
            throw new NbdException(NbdError.ENOSPC, "the copy-on-write overlay in memory is full (" + limit
                    + " bytes)");
        }
        byte[] bytes = new byte[blockLength(block)];
        data.getBytes(index, bytes);
        blocks.put((int) block, bytes);
        set(block, DATA);
    }

    @Override
    protected void release(long block) {
        blocks.remove((int) block);
    }

    @Override
    void flush() {
    }

    @Override
    void drop() {
        for (int b = 0; b < blocks(); b++) {
            if (state(b) != ABSENT) {
                set(b, ABSENT);
            }
        }
        blocks.clear();
    }

    @Override
    String store() {
        return "memory";
    }

    @Override
    public void close() {
        super.close();
        blocks.clear();
        Arrays.fill(states, ABSENT);
    }
}
