package org.enbd.feature.cow.internal;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.BitSet;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;

/**
 * An overlay in a sparse local file that survives a restart. The format (all integers big-endian):
 * <pre>
 *   0     header, 4096 bytes: "ENBDCOW1", version (u32, 1), block size (u32), disk size in bytes (u64)
 *   4096  map: one byte per block, 0 ABSENT, 1 DATA, 2 ZERO
 *   D     data: block i's bytes at D + i * block size, D = 4096 + blocks rounded up to the block size;
 *         blocks never written are holes
 * </pre>
 * <b>Crash safety.</b> A block's bytes are written in place (pwrite) and its state changes in memory; the map on
 * disk changes only in {@link #flush}, after an fdatasync of the data, and is synced itself. So every block the
 * map on disk calls DATA has its bytes on disk; a block written since the last flush reads after a crash as it did
 * at that flush (the layer below, zeros, or its earlier data), or, if it was DATA then and rewritten in place, as a
 * mix of its old and new sectors, as a disk's own unflushed write may be. A torn map page is harmless: its entries
 * are single bytes, each old or new. Drop persists an all-ABSENT map before it frees the data. No state ever
 * points at bytes nobody wrote.
 */
final class FileOverlay extends Overlay {
    static final byte[] MAGIC = "ENBDCOW1".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 1;
    static final int HEADER = 4096;
    private static final int PAGE = 4096;

    private final Path path;
    private final FileChannel channel;
    private final FileLock lock;
    private final long dataOffset;
    /** Map pages changed since the last flush (from the queue only). */
    private final BitSet dirtyPages = new BitSet();
    private boolean dataWritten;

    private FileOverlay(Path path, FileChannel channel, FileLock lock, long size, int blockSize, SerialQueue queue)
            throws NbdException {
        super(size, blockSize, queue);
        this.path = path;
        this.channel = channel;
        this.lock = lock;
        long mapEnd = (long) HEADER + blocks();
        this.dataOffset = (mapEnd + blockSize - 1) / blockSize * blockSize;
    }

    /**
     * Opens the overlay file at {@code path}, creating it if it is missing or empty. An existing one must have been
     * made for a disk of this size with this block size, and must not be in use by another export.
     */
    static FileOverlay open(Path path, long size, int blockSize, SerialQueue queue) throws NbdException {
        FileChannel channel = null;
        try {
            channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                throw new NbdException(NbdError.EINVAL, "overlay " + path + " is in use by another export");
            }
            FileOverlay overlay = new FileOverlay(path, channel, lock, size, blockSize, queue);
            if (channel.size() == 0) {
                overlay.create();
            } else {
                overlay.load();
            }
            return overlay;
        } catch (IOException e) {
            close(channel);
            throw new NbdException(NbdError.EIO, "cannot open overlay " + path + ": " + e.getMessage(), e);
        } catch (NbdException | RuntimeException e) {
            close(channel);
            throw e;
        }
    }

    private static void close(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing after a failure: the failure is what the caller reports
            }
        }
    }

    private void create() throws IOException {
        ByteBuffer header = ByteBuffer.allocate(HEADER);
        header.put(MAGIC).putInt(VERSION).putInt(blockSize).putLong(size).clear();
        writeFully(header, 0);
        channel.force(true);
    }

    private void load() throws IOException, NbdException {
        ByteBuffer header = ByteBuffer.allocate(24);
        readFully(header, 0);
        byte[] magic = new byte[MAGIC.length];
        header.flip().get(magic);
        if (!java.util.Arrays.equals(magic, MAGIC) || header.getInt() != VERSION) {
            throw new NbdException(NbdError.EINVAL, path + " is not an ENBD-J overlay (version " + VERSION + ")");
        }
        int fileBlockSize = header.getInt();
        long fileSize = header.getLong();
        if (fileBlockSize != blockSize || fileSize != size) {
            throw new NbdException(NbdError.EINVAL, "overlay " + path + " was made for a disk of " + fileSize
                    + " bytes in blocks of " + fileBlockSize + ", not " + size + " bytes in blocks of " + blockSize);
        }
        ByteBuffer map = ByteBuffer.wrap(states);
        readFully(map, HEADER);
        for (int b = 0; b < states.length; b++) {
            if (states[b] != ABSENT && states[b] != DATA && states[b] != ZERO) {
                throw new NbdException(NbdError.EINVAL, "overlay " + path + " has a damaged map (block " + b
                        + " has state " + states[b] + ")");
            }
        }
        recount();
    }

    @Override
    boolean blocking() {
        return true;
    }

    @Override
    void read(long block, int from, ByteBuf into, int at, int length) throws NbdException {
        try {
            ByteBuffer target = into.nioBuffer(at, length);
            readFully(target, dataOffset + block * blockSize + from);
        } catch (IOException e) {
            throw new NbdException(NbdError.EIO, "cannot read overlay " + path + " (block " + block + "): "
                    + e.getMessage(), e);
        }
    }

    @Override
    void put(long block, ByteBuf data, int index) throws NbdException {
        try {
            writeFully(data.nioBuffer(index, blockLength(block)), dataOffset + block * blockSize);
        } catch (IOException e) {
            throw new NbdException(NbdError.EIO, "cannot write overlay " + path + " (block " + block + "): "
                    + e.getMessage(), e);
        }
        dataWritten = true;
        set(block, DATA);
    }

    @Override
    protected void release(long block) {
        // the bytes stay until the next drop: Java cannot punch a hole, and a rewrite reuses the place
    }

    @Override
    protected void changed(long block) {
        dirtyPages.set((int) (block / PAGE));
    }

    @Override
    void flush() throws NbdException {
        try {
            if (dataWritten) {
                channel.force(false);
                dataWritten = false;
            }
            if (dirtyPages.isEmpty()) {
                return;
            }
            for (int page = dirtyPages.nextSetBit(0); page >= 0; page = dirtyPages.nextSetBit(page + 1)) {
                int from = page * PAGE;
                writeFully(ByteBuffer.wrap(states, from, Math.min(PAGE, states.length - from)), HEADER + from);
            }
            channel.force(false);
            dirtyPages.clear();
        } catch (IOException e) {
            throw new NbdException(NbdError.EIO, "cannot flush overlay " + path + ": " + e.getMessage(), e);
        }
    }

    @Override
    void drop() throws NbdException {
        for (int b = 0; b < blocks(); b++) {
            if (state(b) != ABSENT) {
                set(b, ABSENT);
            }
        }
        flush(); // the map says ABSENT everywhere before any data goes
        try {
            channel.truncate(dataOffset);
            channel.force(true);
        } catch (IOException e) {
            throw new NbdException(NbdError.EIO, "cannot free overlay " + path + ": " + e.getMessage(), e);
        }
    }

    @Override
    String store() {
        return "file:" + path;
    }

    @Override
    public void close() {
        super.close();
        try {
            lock.release();
        } catch (IOException ignored) {
            // the channel's close releases it too
        }
        close(channel);
    }

    private void writeFully(ByteBuffer buffer, long at) throws IOException {
        while (buffer.hasRemaining()) {
            at += channel.write(buffer, at);
        }
    }

    private void readFully(ByteBuffer buffer, long at) throws IOException {
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, at);
            if (n < 0) { // a hole at the end of a sparse file that was never extended: zeros
                while (buffer.hasRemaining()) {
                    buffer.put((byte) 0);
                }
                return;
            }
            at += n;
        }
    }
}
