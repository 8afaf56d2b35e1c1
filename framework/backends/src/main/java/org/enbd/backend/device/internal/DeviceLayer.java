package org.enbd.backend.device.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.layer.Capabilities;
import org.enbd.api.layer.ExtentSink;
import org.enbd.api.layer.Layer;
import java.util.concurrent.CompletionStage;
import org.enbd.api.layer.RequestFlags;
import org.enbd.backend.file.internal.Errno;
import org.enbd.backend.file.internal.FileLayer;
import org.enbd.backend.file.internal.PosixFile;

/**
 * A block device: the file backend's I/O, with the size from BLKGETSIZE64, trim as BLKDISCARD and zero as
 * BLKZEROOUT (devices have no holes to report).
 */
public final class DeviceLayer extends FileLayer {
    /** _IOR(0x12, 114, size_t). */
    private static final long BLKGETSIZE64 = 0x80081272L;
    /** _IO(0x12, 119). */
    private static final long BLKDISCARD = 0x1277L;
    /** _IO(0x12, 127). */
    private static final long BLKZEROOUT = 0x127fL;

    private final boolean rotational;

    private DeviceLayer(PosixFile file, boolean readOnly, long size, boolean rotational, boolean direct) {
        super(file, readOnly, size, direct);
        this.rotational = rotational;
    }

    public static DeviceLayer open(String path, boolean readOnly) throws NbdException {
        return open(path, readOnly, false);
    }

    /** Opens a block device, with O_DIRECT when {@code direct}. */
    public static DeviceLayer open(String path, boolean readOnly, boolean direct) throws NbdException {
        PosixFile file = openFile(path, readOnly, direct);
        try {
            long size = deviceSize(file);
            checkDirectSize(path, size, direct);
            return new DeviceLayer(file, readOnly, size, isRotational(path), direct);
        } catch (NbdException e) {
            file.close();
            throw e;
        } catch (Errno e) {
            file.close();
            throw new NbdException(e.toNbd(path).error(), path + " is not a block device (" + e.getMessage() + ")", e);
        }
    }

    private static long deviceSize(PosixFile file) throws Errno {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment size = arena.allocate(ValueLayout.JAVA_LONG);
            file.ioctl(BLKGETSIZE64, size);
            return size.get(ValueLayout.JAVA_LONG, 0);
        }
    }

    /** A device's size is BLKGETSIZE64's, not the end of its file. */
    @Override
    protected long probeSize() throws Errno {
        return deviceSize(file);
    }

    @Override
    public Capabilities capabilities() {
        return super.capabilities().toBuilder().extents(false).build();
    }

    @Override
    protected boolean rotational() {
        return rotational;
    }

    @Override
    protected void trimBlocking(long offset, long length, int flags) throws NbdException {
        refuseIfReadOnly();
        try {
            range(BLKDISCARD, offset, length);
        } catch (Errno e) {
            if (!e.unsupported()) {
                throw e.toNbd("discard " + length + " bytes at " + offset + " of " + file.path());
            }
        }
        syncIfFua(flags);
    }

    /** fallocate first (fails fast where the device cannot offload zeroing), then BLKZEROOUT unless FAST_ZERO. */
    @Override
    protected void zeroBlocking(long offset, long length, int flags) throws NbdException {
        try {
            super.zeroBlocking(offset, length, flags | RequestFlags.FAST_ZERO);
            return;
        } catch (NbdException e) {
            if (e.error() != NbdError.ENOTSUP || RequestFlags.has(flags, RequestFlags.FAST_ZERO)) {
                throw e;
            }
        }
        try {
            range(BLKZEROOUT, offset, length);
        } catch (Errno e) {
            throw e.toNbd("zero " + length + " bytes at " + offset + " of " + file.path());
        }
        syncIfFua(flags);
    }

    @Override
    public CompletionStage<Void> extents(long offset, long length, int flags, ExtentSink sink) {
        sink.add(length, 0);
        return Layer.done();
    }

    private void range(long request, long offset, long length) throws Errno {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment range = arena.allocate(ValueLayout.JAVA_LONG, 2);
            range.setAtIndex(ValueLayout.JAVA_LONG, 0, offset);
            range.setAtIndex(ValueLayout.JAVA_LONG, 1, length);
            file.ioctl(request, range);
        }
    }

    private static boolean isRotational(String path) {
        try {
            String name = Path.of(path).toRealPath().getFileName().toString();
            Path flag = Path.of("/sys/class/block", name, "queue", "rotational");
            return Files.exists(flag) && Files.readString(flag).trim().equals("1");
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
