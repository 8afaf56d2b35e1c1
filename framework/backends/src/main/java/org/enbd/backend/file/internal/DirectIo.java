package org.enbd.backend.file.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Reads and writes of a file opened with O_DIRECT ({@code direct=true}): the page cache is bypassed, so the
 * kernel wants the offset, the length and the memory aligned to the device's logical block size. Requests are not
 * (NBD clients may send any byte range), so each goes through aligned bounce memory: a read reads the aligned
 * range that covers it and hands back its part; a write writes its aligned middle directly and its partial first
 * and last blocks by read-modify-write. Two partial writes to one block must not both read it before either
 * writes it back (the second would undo the first): each partial block is rewritten under a lock of its stripe.
 * Everything here runs on the export's I/O threads, never on an event loop.
 *
 * <p>{@link #ALIGN} is 4096, which covers the 512- and 4096-byte logical blocks of disks and of the file systems
 * that support O_DIRECT. The export's size must be a multiple of it: O_DIRECT cannot write a partial last block
 * without growing the file ({@link FileLayer#open} refuses such a file with direct=true).
 */
final class DirectIo {
    static final int ALIGN = 4096;
    private static final int STRIPES = 64;

    private final PosixFile file;
    private final ReentrantLock[] stripes = new ReentrantLock[STRIPES];

    DirectIo(PosixFile file) {
        this.file = file;
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new ReentrantLock();
        }
    }

    ByteBuf read(long offset, int length, ByteBufAllocator alloc) throws Errno {
        long from = down(offset);
        long to = up(offset + length);
        ByteBuf into = alloc.directBuffer(length, length);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment bounce = arena.allocate(to - from, ALIGN);
            file.readAligned(from, bounce);
            into.writeBytes(bounce.asSlice(offset - from, length).asByteBuffer());
            return into;
        } catch (Errno | RuntimeException e) {
            into.release();
            throw e;
        }
    }

    void write(long offset, ByteBuf data) throws Errno {
        int length = data.readableBytes();
        long end = offset + length;
        long middleFrom = up(offset);
        long middleTo = down(end);
        if (middleTo <= middleFrom && down(offset) == down(end - 1)) { // within one block
            rewriteBlock(down(offset), offset, data, data.readerIndex(), length);
            return;
        }
        if (offset != middleFrom) { // partial first block
            int n = (int) (middleFrom - offset);
            rewriteBlock(down(offset), offset, data, data.readerIndex(), n);
        }
        if (middleTo > middleFrom) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment bounce = arena.allocate(middleTo - middleFrom, ALIGN);
                int at = data.readerIndex() + (int) (middleFrom - offset);
                bounce.asByteBuffer().put(data.nioBuffer(at, (int) (middleTo - middleFrom)));
                file.writeAligned(middleFrom, bounce);
            }
        }
        if (end != middleTo && middleTo >= middleFrom) { // partial last block
            int n = (int) (end - middleTo);
            rewriteBlock(middleTo, middleTo, data, data.readerIndex() + (length - n), n);
        }
    }

    /** Puts {@code n} bytes of {@code data} from {@code index} at {@code at}, inside the block at {@code block}. */
    private void rewriteBlock(long block, long at, ByteBuf data, int index, int n) throws Errno {
        ReentrantLock lock = stripes[(int) Math.floorMod(block / ALIGN, (long) STRIPES)];
        lock.lock();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment bounce = arena.allocate(ALIGN, ALIGN);
            file.readAligned(block, bounce);
            bounce.asSlice(at - block, n).asByteBuffer().put(data.nioBuffer(index, n));
            file.writeAligned(block, bounce);
        } finally {
            lock.unlock();
        }
    }

    static long down(long offset) {
        return offset & -ALIGN;
    }

    static long up(long offset) {
        return (offset + ALIGN - 1) & -ALIGN;
    }
}
