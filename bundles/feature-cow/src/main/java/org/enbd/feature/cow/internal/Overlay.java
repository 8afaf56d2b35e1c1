package org.enbd.feature.cow.internal;

import io.netty.buffer.ByteBuf;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicLong;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;

/**
 * The changes made over a disk, block by block: each block is ABSENT (read the layer below), DATA (the overlay
 * holds the block's bytes) or ZERO (reads as zeros; what zero and trim of a whole block leave). Changes are made
 * only through {@link #queue()}, one at a time; states are read by any thread (acquire/release), so a read issued
 * after a write completed sees it. Subclasses keep the bytes: in memory or in a sparse file.
 */
abstract class Overlay implements AutoCloseable {
    static final byte ABSENT = 0;
    static final byte DATA = 1;
    static final byte ZERO = 2;
    private static final VarHandle STATES = MethodHandles.arrayElementVarHandle(byte[].class);

    final int blockSize;
    final long size;
    protected final byte[] states;
    private final SerialQueue queue;
    private final AtomicLong dataBlocks = new AtomicLong();
    private final AtomicLong zeroBlocks = new AtomicLong();
    private volatile boolean closed;

    Overlay(long size, int blockSize, SerialQueue queue) throws NbdException {
        long blocks = (size + blockSize - 1) / blockSize;
        if (blocks > Integer.MAX_VALUE - 16) {
            throw new NbdException(NbdError.EINVAL, "a disk of " + size + " bytes has too many blocks of "
                    + blockSize + " bytes for an overlay: choose a larger cow.block-size");
        }
        this.size = size;
        this.blockSize = blockSize;
        this.states = new byte[(int) blocks];
        this.queue = queue;
    }

    /** Where the overlay's changes are queued. */
    SerialQueue queue() {
        return queue;
    }

    int blocks() {
        return states.length;
    }

    byte state(long block) {
        return (byte) STATES.getAcquire(states, (int) block);
    }

    /** Bytes of {@code block}: the block size, less for the last block of a disk that is not a multiple. */
    int blockLength(long block) {
        return (int) Math.min(blockSize, size - block * blockSize);
    }

    /** Sets a block's state (from the queue only) and keeps the counts. */
    protected void set(long block, byte state) {
        byte before = state(block);
        count(before, -1);
        count(state, 1);
        STATES.setRelease(states, (int) block, state);
        changed(block);
    }

    private void count(byte state, int delta) {
        if (state == DATA) {
            dataBlocks.addAndGet(delta);
        } else if (state == ZERO) {
            zeroBlocks.addAndGet(delta);
        }
    }

    /** Counts taken from states loaded at open. */
    protected void recount() {
        dataBlocks.set(0);
        zeroBlocks.set(0);
        for (byte s : states) {
            count(s, 1);
        }
    }

    long dataBlocks() {
        return dataBlocks.get();
    }

    long zeroBlocks() {
        return zeroBlocks.get();
    }

    /** Whether {@link #read} may block (file I/O), so it must run on the feature's I/O threads. */
    abstract boolean blocking();

    /** Copies {@code length} bytes of DATA block {@code block} from {@code from} into {@code into} at {@code at}. */
    abstract void read(long block, int from, ByteBuf into, int at, int length) throws NbdException;

    /** Stores {@link #blockLength} bytes of {@code data} from {@code index} as the block's DATA (from the queue). */
    abstract void put(long block, ByteBuf data, int index) throws NbdException;

    /** Makes the block read as zeros (from the queue). */
    void zero(long block) throws NbdException {
        release(block);
        set(block, ZERO);
    }

    /** Frees what the block's bytes took, if the store can. */
    protected abstract void release(long block) throws NbdException;

    /** Makes every change queued before it durable (from the queue). */
    abstract void flush() throws NbdException;

    /** Forgets every change: every block ABSENT (from the queue). */
    abstract void drop() throws NbdException;

    /** Hook: a block's state changed. */
    protected void changed(long block) {
    }

    /** How the overlay keeps its bytes, for COW_SHOW: {@code memory} or {@code file:PATH}. */
    abstract String store();

    /** Fails later requests with ESHUTDOWN. */
    void checkOpen() throws NbdException {
        if (closed) {
            throw new NbdException(NbdError.ESHUTDOWN, "the copy-on-write overlay is closed");
        }
    }

    @Override
    public void close() {
        closed = true;
    }
}
