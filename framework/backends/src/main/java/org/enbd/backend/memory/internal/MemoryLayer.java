package org.enbd.backend.memory.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.Map;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.layer.Capabilities;
import org.enbd.api.layer.ExtentSink;
import org.enbd.api.layer.Layer;
import org.enbd.api.layer.RequestFlags;
import org.enbd.api.layer.Support;

/**
 * A sparse RAM disk: 1 MiB pages of off-heap memory, allocated on first write; a missing page reads as zeros and
 * is reported as a hole. The page table is a lock-free sorted map holding only the pages written, so its cost
 * follows what is written and not the export's size ({@code memory:1P} costs one shared zero page), and extents
 * and trims skip a hole of any length in one lookup (nbdkit's sparse array is the model). Trim and zero free whole pages. Nothing here blocks (the page table lock is held only to
 * swap page references), so every stage it returns is already complete: the server answers in the same event loop
 * turn.
 *
 * <p>Reads hand out retained slices of the pages themselves (no copy): a page freed by a trim lives on until the
 * reply that still refers to it has been written.
 */
public final class MemoryLayer implements Layer {
    static final int PAGE_SHIFT = 20;
    static final int PAGE = 1 << PAGE_SHIFT;

    private final long size;
    private final boolean readOnly;
    /** Page index to page; absent means zeros. */
    private final ConcurrentSkipListMap<Long, ByteBuf> pages = new ConcurrentSkipListMap<>();
    /** Readers and writers of page contents share it; only freeing a page takes it exclusively. */
    private final ReentrantReadWriteLock table = new ReentrantReadWriteLock();
    private final ByteBuf zeroPage;
    private final AtomicBoolean closed = new AtomicBoolean();

    public MemoryLayer(long size, boolean readOnly) {
        if (size < 0) {
            throw new IllegalArgumentException("memory export size is negative: " + size);
        }
        this.size = size;
        this.readOnly = readOnly;
        this.zeroPage = Unpooled.unreleasableBuffer(newZeroedPage().asReadOnly());
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public Capabilities capabilities() {
        // flush and FUA are trivially honoured: RAM is as durable as this export gets
        return Capabilities.builder().writable(!readOnly).flush(true).fua(Support.NATIVE).trim(true)
                .zero(Support.NATIVE).fastZero(true).extents(true).cache(Support.NATIVE).multiConn(true).build();
    }

    @Override
    public CompletionStage<ByteBuf> read(long offset, int length, int flags, ByteBufAllocator alloc) {
        try {
            return CompletableFuture.completedFuture(readNow(offset, length, alloc));
        } catch (NbdException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public CompletionStage<Void> write(long offset, ByteBuf data, int flags) {
        try {
            writeNow(offset, data);
            return Layer.done();
        } catch (NbdException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public CompletionStage<Void> trim(long offset, long length, int flags) {
        clear(offset, length, true);
        return Layer.done();
    }

    @Override
    public CompletionStage<Void> zero(long offset, long length, int flags) {
        clear(offset, length, !RequestFlags.has(flags, RequestFlags.NO_HOLE));
        return Layer.done();
    }

    @Override
    public CompletionStage<Void> extents(long offset, long length, int flags, ExtentSink sink) {
        long at = offset;
        long end = offset + length;
        while (at < end) {
            long index = at >>> PAGE_SHIFT;
            boolean hole = !pages.containsKey(index);
            long runEnd = hole ? nextWrittenPageStart(index + 1, end) : endOfWrittenRun(index + 1, end);
            runEnd = Math.min(runEnd, end);
            if (!sink.add(runEnd - at, hole ? ExtentSink.HOLE | ExtentSink.ZERO : 0)) {
                break;
            }
            at = runEnd;
        }
        return Layer.done();
    }

    /** The start of the first written page at or after {@code index}, or {@code end} when none is before it. */
    private long nextWrittenPageStart(long index, long end) {
        Long next = pages.ceilingKey(index);
        return next == null ? end : Math.min(end, next << PAGE_SHIFT);
    }

    /** The end of the run of consecutive written pages that starts before {@code index}. */
    private long endOfWrittenRun(long index, long end) {
        long at = index;
        while ((at << PAGE_SHIFT) < end && pages.containsKey(at)) {
            at++;
        }
        return at << PAGE_SHIFT;
    }

    private ByteBuf readNow(long offset, int length, ByteBufAllocator alloc) throws NbdException {
        table.readLock().lock();
        try {
            refuseIfClosed();
            if (fitsOnePage(offset, length)) {
                return slice(offset, length);
            }
            CompositeByteBuf composite = alloc.compositeDirectBuffer(Math.max(2, pagesSpanned(offset, length)));
            long at = offset;
            long end = offset + length;
            while (at < end) {
                int chunk = (int) Math.min(end - at, PAGE - (at & (PAGE - 1)));
                composite.addComponent(true, slice(at, chunk));
                at += chunk;
            }
            return composite;
        } finally {
            table.readLock().unlock();
        }
    }

    private void writeNow(long offset, ByteBuf data) throws NbdException {
        table.readLock().lock();
        try {
            refuseIfClosed();
            int index = data.readerIndex();
            int left = data.readableBytes();
            long at = offset;
            while (left > 0) {
                int within = (int) (at & (PAGE - 1));
                int chunk = Math.min(left, PAGE - within);
                page(at >>> PAGE_SHIFT).setBytes(within, data, index, chunk);
                index += chunk;
                left -= chunk;
                at += chunk;
            }
        } finally {
            table.readLock().unlock();
        }
    }

    /** Frees every page; idempotent, since both an export and a test may close it. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        table.writeLock().lock();
        try {
            for (Map.Entry<Long, ByteBuf> entry; (entry = pages.pollFirstEntry()) != null; ) {
                entry.getValue().release();
            }
        } finally {
            table.writeLock().unlock();
        }
        zeroPage.unwrap().release();
    }

    /** Called with the page table lock held, so close cannot free the pages meanwhile. */
    private void refuseIfClosed() throws NbdException {
        if (closed.get()) {
            throw new NbdException(NbdError.EIO, "memory export was closed");
        }
    }

    /** Pages allocated now, for tests and status. */
    public int allocatedPages() {
        return pages.size();
    }

    /**
     * Zeroes a range: whole pages are freed when {@code punch} (only those written are visited, so a trim of a
     * petabyte of holes is one lookup), partial pages (and all with NO_HOLE) memset.
     */
    private void clear(long offset, long length, boolean punch) {
        long end = offset + length;
        long at = offset;
        while (at < end) {
            long index = at >>> PAGE_SHIFT;
            int within = (int) (at & (PAGE - 1));
            int chunk = (int) Math.min(end - at, PAGE - within);
            boolean wholePage = within == 0 && (chunk == PAGE || at + chunk == size);
            if (punch && wholePage) {
                long wholeEnd = end == size ? Long.MAX_VALUE : end >>> PAGE_SHIFT;
                freeWritten(index, wholeEnd);
                at = Math.min(end, wholeEnd == Long.MAX_VALUE ? end : wholeEnd << PAGE_SHIFT);
                continue;
            }
            table.readLock().lock();
            try {
                ByteBuf page = punch ? pages.get(index) : page(index);
                if (page != null) {
                    page.setZero(within, chunk);
                }
            } finally {
                table.readLock().unlock();
            }
            at += chunk;
        }
    }

    /** Frees the written pages with an index in [from, to). */
    private void freeWritten(long from, long to) {
        ConcurrentNavigableMap<Long, ByteBuf> range = pages.subMap(from, to);
        if (range.isEmpty()) {
            return;
        }
        for (Long index : range.keySet()) {
            ByteBuf page;
            table.writeLock().lock();
            try {
                page = pages.remove(index);
            } finally {
                table.writeLock().unlock();
            }
            if (page != null) {
                page.release();
            }
        }
    }

    /** The page, allocated zeroed if missing. Caller holds the read lock. */
    private ByteBuf page(long index) {
        ByteBuf page = pages.get(index);
        if (page == null) {
            ByteBuf fresh = newZeroedPage();
            page = pages.putIfAbsent(index, fresh);
            if (page == null) {
                page = fresh;
            } else {
                fresh.release();
            }
        }
        return page;
    }

    private ByteBuf slice(long offset, int length) {
        ByteBuf page = pages.get(offset >>> PAGE_SHIFT);
        int within = (int) (offset & (PAGE - 1));
        return page == null ? zeroPage.slice(within, length) : page.retainedSlice(within, length);
    }

    private static ByteBuf newZeroedPage() {
        ByteBuf page = UnpooledByteBufAllocator.DEFAULT.directBuffer(PAGE, PAGE);
        page.setZero(0, PAGE);
        page.writerIndex(PAGE);
        return page;
    }

    private static boolean fitsOnePage(long offset, int length) {
        return (offset >>> PAGE_SHIFT) == ((offset + length - 1) >>> PAGE_SHIFT);
    }

    private static int pagesSpanned(long offset, int length) {
        return (int) (((offset + length - 1) >>> PAGE_SHIFT) - (offset >>> PAGE_SHIFT) + 1);
    }
}
