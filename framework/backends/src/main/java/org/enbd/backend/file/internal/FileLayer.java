package org.enbd.backend.file.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.layer.Layer;
import org.enbd.api.layer.Capabilities;
import org.enbd.api.layer.ExportEvent;
import org.enbd.api.layer.ExportEvents;
import org.enbd.api.layer.ExtentSink;
import org.enbd.api.layer.Layer;
import org.enbd.api.layer.RequestFlags;
import org.enbd.api.layer.Support;

/**
 * A regular file as an export, as nbdkit's file plugin: pread/pwrite on the buffers' own memory, trim punches
 * holes, zero uses fallocate, block status comes from SEEK_DATA/SEEK_HOLE, FUA is an fdatasync after the write.
 * The device backend extends it and changes only size, trim, zero and extents.
 *
 * <p>It never blocks its caller, so the server calls it on the event loop without a thread per request: a READ
 * whose data is all in the page cache is served right there ({@code preadv2(RWF_NOWAIT)}, a memory copy), and
 * everything else runs the blocking method ({@code *Blocking}) on the export's {@link BlockingIo} threads.
 */
public class FileLayer implements Layer {
    /** Largest READ served on the calling thread from the page cache; a larger copy would hold the loop. */
    static final int INLINE_READ_MAX = 1 << 20;
    protected final PosixFile file;
    protected final boolean readOnly;
    /** Follows the file: {@link #watchSize} updates it when the file grows or shrinks. */
    private volatile long size;
    private volatile java.util.concurrent.ScheduledFuture<?> sizeProbe;
    /** Cleared the first time the file system refuses to punch holes, so later calls do not try again. */
    private final AtomicBoolean canPunch = new AtomicBoolean(true);
    private final AtomicBoolean canZeroRange = new AtomicBoolean(true);
    private final BlockingIo io;
    /** O_DIRECT's aligned reads and writes ({@code direct=true}); null for the page cache's path. */
    private final DirectIo direct;

    protected FileLayer(PosixFile file, boolean readOnly, long size, boolean direct) {
        this.file = file;
        this.readOnly = readOnly;
        this.size = size;
        this.io = new BlockingIo(file.path());
        this.direct = direct ? new DirectIo(file) : null;
    }

    /** Opens a regular file; a missing or unreadable one is an NbdException naming the path. */
    public static FileLayer open(String path, boolean readOnly) throws NbdException {
        return open(path, readOnly, false);
    }

    /**
     * Opens a regular file, with O_DIRECT when {@code direct} (the page cache bypassed: reads come from the disk,
     * writes reach it before they are answered, though the disk's own cache still needs FLUSH or FUA).
     */
    public static FileLayer open(String path, boolean readOnly, boolean direct) throws NbdException {
        PosixFile file = openFile(path, readOnly, direct);
        try {
            long size = file.endOffset();
            checkDirectSize(path, size, direct);
            return new FileLayer(file, readOnly, size, direct);
        } catch (Errno e) {
            file.close();
            throw e.toNbd("cannot size " + path);
        } catch (NbdException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    protected static PosixFile openFile(String path, boolean readOnly, boolean direct) throws NbdException {
        try {
            return PosixFile.open(path, readOnly, direct);
        } catch (Errno e) {
            if (direct && e.errno() == Errno.EINVAL) {
                throw new NbdException(NbdError.EINVAL, "cannot open " + path + " with direct=true: its file system"
                        + " does not support direct I/O (tmpfs does not; serve it without direct=true)", e);
            }
            throw new NbdException(e.toNbd(path).error(), "cannot open " + path + ": " + why(e, path, readOnly), e);
        }
    }

    protected static void checkDirectSize(String path, long size, boolean direct) throws NbdException {
        if (direct && size % DirectIo.ALIGN != 0) {
            throw new NbdException(NbdError.EINVAL, path + " is " + size + " bytes: with direct=true the size must be"
                    + " a multiple of " + DirectIo.ALIGN + " (O_DIRECT cannot write a partial last block)");
        }
    }

    /** The {@code direct} parameter of an export: true or false, anything else is an error naming the choices. */
    public static boolean directParameter(org.enbd.api.layer.ExportContext export) throws NbdException {
        String value = export.parameter("direct", "false");
        return switch (value) {
            case "true", "on", "yes" -> true;
            case "false", "off", "no" -> false;
            default -> throw new NbdException(NbdError.EINVAL, "direct=" + value + ": expected true or false");
        };
    }

    /** What an admin needs to hear about a failed open: the cause in words, and the fix when there is one. */
    private static String why(Errno e, String path, boolean readOnly) {
        return switch (e.errno()) {
            case Errno.ENOENT -> "no such file";
            case Errno.EISDIR -> "is a directory (serve a regular file, an image or a block device)";
            case Errno.EACCES, Errno.EPERM, Errno.EROFS -> !readOnly && readable(path)
                    ? e.description() + " for writing (add ,ro to serve it read-only)"
                    : e.description();
            default -> e.description() + " (errno " + e.errno() + ")";
        };
    }

    /** Whether a read-only open would succeed, to tell "read-only for us" from "not for us at all". */
    private static boolean readable(String path) {
        try {
            PosixFile.open(path, true).close();
            return true;
        } catch (Errno e) {
            return false;
        }
    }

    @Override
    public long size() {
        return size;
    }

    /**
     * Probes the size every {@link SizeWatch#INTERVAL} and, when it changed, takes the new one and publishes
     * {@link ExportEvent.SizeChanged}: clients of ENBD-J are told, new connections see the new size.
     */
    public void watchSize(SizeWatch watch, ExportEvents events) {
        sizeProbe = watch.every(() -> {
            try {
                long now = probeSize();
                if (now != size) {
                    size = now;
                    events.publish(new ExportEvent.SizeChanged(now));
                }
            } catch (Errno e) {
                // closed under the probe, or the file went away: requests will say so, the probe stays quiet
            } catch (RuntimeException e) {
                // the descriptor was closed between the check and the call
            }
        });
    }

    /** The size the storage has now. */
    protected long probeSize() throws Errno {
        return file.endOffset();
    }

    @Override
    public Capabilities capabilities() {
        return Capabilities.builder().writable(!readOnly).flush(!readOnly).fua(readOnly ? Support.NONE : Support.NATIVE)
                .trim(!readOnly).zero(readOnly ? Support.NONE : Support.NATIVE).fastZero(!readOnly)
                .extents(true).cache(Support.NATIVE).multiConn(true).rotational(rotational()).build();
    }

    /** Whether the storage prefers sequential access; files do not say, so no. */
    protected boolean rotational() {
        return false;
    }

    /** The blocking read, on the export's I/O threads. */
    protected ByteBuf readBlocking(long offset, int length, ByteBufAllocator alloc) throws NbdException {
        if (direct != null) {
            try {
                return direct.read(offset, length, alloc);
            } catch (Errno e) {
                throw e.toNbd("read " + length + " bytes at " + offset + " from " + file.path() + " (direct)");
            }
        }
        ByteBuf into = alloc.directBuffer(length, length);
        try {
            file.readFully(offset, into, length);
            return into;
        } catch (Errno e) {
            into.release();
            throw e.toNbd("read " + length + " bytes at " + offset + " from " + file.path());
        } catch (RuntimeException e) {
            into.release();
            throw e;
        }
    }

    protected void writeBlocking(long offset, ByteBuf data, int flags) throws NbdException {
        refuseIfReadOnly();
        try {
            if (direct != null) {
                direct.write(offset, data);
            } else {
                file.writeFully(offset, data);
            }
            if (RequestFlags.has(flags, RequestFlags.FUA)) {
                file.fdatasync();
            }
        } catch (Errno e) {
            throw e.toNbd("write " + data.readableBytes() + " bytes at " + offset + " to " + file.path());
        }
    }

    protected void flushBlocking(int flags) throws NbdException {
        try {
            file.fdatasync();
        } catch (Errno e) {
            throw e.toNbd("flush " + file.path());
        }
    }

    protected void trimBlocking(long offset, long length, int flags) throws NbdException {
        refuseIfReadOnly();
        if (canPunch.get()) {
            try {
                file.fallocate(PosixFile.FALLOC_FL_PUNCH_HOLE | PosixFile.FALLOC_FL_KEEP_SIZE, offset, length);
            } catch (Errno e) {
                if (!e.unsupported()) {
                    throw e.toNbd("trim " + length + " bytes at " + offset + " of " + file.path());
                }
                canPunch.set(false); // trim is advisory: doing nothing is correct
            }
        }
        syncIfFua(flags);
    }

    /**
     * Zeroes without writing data where the file system can: punch a hole (unless NO_HOLE), else ZERO_RANGE;
     * with FAST_ZERO, ENOTSUP when only writing zeros is left.
     */
    protected void zeroBlocking(long offset, long length, int flags) throws NbdException {
        refuseIfReadOnly();
        String what = "zero " + length + " bytes at " + offset + " of " + file.path();
        if (direct != null && (offset % DirectIo.ALIGN != 0 || length % DirectIo.ALIGN != 0)) {
            // a partial block zeroed by fallocate could be undone by a read-modify-write of the same block:
            // written as zeros instead, through the same per-block locks
            if (RequestFlags.has(flags, RequestFlags.FAST_ZERO)) {
                throw new NbdException(NbdError.ENOTSUP, "fast zero of an unaligned range with direct=true");
            }
            writeZeros(offset, length, flags & RequestFlags.FUA);
            return;
        }
        if (!RequestFlags.has(flags, RequestFlags.NO_HOLE) && canPunch.get()
                && tryFallocate(PosixFile.FALLOC_FL_PUNCH_HOLE | PosixFile.FALLOC_FL_KEEP_SIZE, offset, length,
                canPunch, what)) {
            syncIfFua(flags);
            return;
        }
        if (canZeroRange.get() && tryFallocate(PosixFile.FALLOC_FL_ZERO_RANGE | PosixFile.FALLOC_FL_KEEP_SIZE,
                offset, length, canZeroRange, what)) {
            syncIfFua(flags);
            return;
        }
        if (RequestFlags.has(flags, RequestFlags.FAST_ZERO)) {
            throw new NbdException(NbdError.ENOTSUP, "fast zero not possible on " + file.path());
        }
        writeZeros(offset, length, flags & RequestFlags.FUA);
    }

    protected void extentsBlocking(long offset, long length, int flags, ExtentSink sink) throws NbdException {
        long end = offset + length;
        long at = offset;
        try {
            while (at < end) {
                long data = file.seek(at, PosixFile.SEEK_DATA);
                if (data < 0 || data >= end) {
                    sink.add(end - at, ExtentSink.HOLE | ExtentSink.ZERO);
                    return;
                }
                if (data > at) {
                    if (!sink.add(data - at, ExtentSink.HOLE | ExtentSink.ZERO)) {
                        return;
                    }
                    at = data;
                }
                long hole = file.seek(at, PosixFile.SEEK_HOLE);
                long dataEnd = hole < 0 ? end : Math.min(hole, end);
                if (!sink.add(dataEnd - at, 0)) {
                    return;
                }
                at = dataEnd;
            }
        } catch (Errno e) {
            if (!e.unsupported() || at != offset) {
                throw e.toNbd("block status at " + at + " of " + file.path());
            }
            sink.add(length, 0); // no SEEK_DATA here: everything is data
        }
    }

    protected void cacheBlocking(long offset, long length, int flags) throws NbdException {
        try {
            file.adviseWillNeed(offset, length);
        } catch (Errno e) {
            throw e.toNbd("cache " + length + " bytes at " + offset + " of " + file.path());
        }
    }

    @Override
    public CompletionStage<ByteBuf> read(long offset, int length, int flags, ByteBufAllocator alloc) {
        if (length <= INLINE_READ_MAX && direct == null) { // O_DIRECT has no page cache to serve from
            ByteBuf into = alloc.directBuffer(length, length);
            try {
                if (file.readCached(offset, into, length)) {
                    return CompletableFuture.completedFuture(into);
                }
            } catch (Errno e) {
                into.release();
                return CompletableFuture.failedFuture(e.toNbd("read " + length + " bytes at " + offset + " from "
                        + file.path()));
            } catch (RuntimeException e) {
                into.release();
                return CompletableFuture.failedFuture(e);
            }
            into.release();
        }
        return io.submit(() -> readBlocking(offset, length, alloc));
    }

    @Override
    public CompletionStage<Void> write(long offset, ByteBuf data, int flags) {
        return io.submit(() -> {
            writeBlocking(offset, data, flags);
            return null;
        });
    }

    @Override
    public CompletionStage<Void> flush(int flags) {
        return io.submit(() -> {
            flushBlocking(flags);
            return null;
        });
    }

    @Override
    public CompletionStage<Void> trim(long offset, long length, int flags) {
        return io.submit(() -> {
            trimBlocking(offset, length, flags);
            return null;
        });
    }

    @Override
    public CompletionStage<Void> zero(long offset, long length, int flags) {
        return io.submit(() -> {
            zeroBlocking(offset, length, flags);
            return null;
        });
    }

    @Override
    public CompletionStage<Void> extents(long offset, long length, int flags, ExtentSink sink) {
        return io.submit(() -> {
            extentsBlocking(offset, length, flags, sink);
            return null;
        });
    }

    @Override
    public CompletionStage<Void> cache(long offset, long length, int flags) {
        return io.submit(() -> {
            cacheBlocking(offset, length, flags);
            return null;
        });
    }

    /** Zero bytes written a mebibyte at a time, on the I/O thread already running the request. */
    private void writeZeros(long offset, long length, int flags) throws NbdException {
        int chunk = (int) Math.min(length, 1 << 20);
        ByteBuf zeros = PooledByteBufAllocator.DEFAULT.directBuffer(chunk, chunk).writeZero(chunk);
        try {
            for (long done = 0; done < length; done += chunk) {
                int n = (int) Math.min(chunk, length - done);
                writeBlocking(offset + done, zeros.slice(0, n), flags);
            }
        } finally {
            zeros.release();
        }
    }

    @Override
    public void close() {
        var probe = sizeProbe;
        if (probe != null) {
            probe.cancel(false);
        }
        io.close();
        file.close();
    }

    protected final void refuseIfReadOnly() throws NbdException {
        if (readOnly) {
            throw new NbdException(NbdError.EPERM, file.path() + " is open read-only");
        }
    }

    protected final void syncIfFua(int flags) throws NbdException {
        if (RequestFlags.has(flags, RequestFlags.FUA)) {
            flushBlocking(0);
        }
    }

    private boolean tryFallocate(int mode, long offset, long length, AtomicBoolean supported, String what)
            throws NbdException {
        try {
            file.fallocate(mode, offset, length);
            return true;
        } catch (Errno e) {
            if (!e.unsupported()) {
                throw e.toNbd(what);
            }
            supported.set(false);
            return false;
        }
    }
}
