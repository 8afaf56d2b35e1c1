package org.enbd.backend.file.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.layer.ExportContext;
import org.enbd.api.layer.ExportEvents;
import org.enbd.api.layer.SyncLayer;
import org.enbd.api.layer.ExtentSink;
import org.enbd.api.layer.Layer;
import org.enbd.api.layer.RequestFlags;
import org.enbd.backend.device.internal.DeviceBackendFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileLayerTest {
    private static final int MIB = 1 << 20;

    @TempDir
    Path dir;

    private Path sparse(long size) throws Exception {
        Path path = Files.createTempFile(dir, "disk", ".img");
        try (RandomAccessFile f = new RandomAccessFile(path.toFile(), "rw")) {
            f.setLength(size);
        }
        return path;
    }

    @Test
    void writeReadAndFuaRoundTrip() throws Exception {
        Path path = sparse(8 * MIB);
        try (Layer layer = new FileBackendFactory().open(path.toString(), new ExportContext("", false, Map.of()), ExportEvents.NONE)) {
            assertEquals(8 * MIB, layer.size());
            byte[] data = bytes(3 * 4096 + 17, 5);
            new SyncLayer(layer).write(MIB - 100, Unpooled.wrappedBuffer(data), RequestFlags.FUA);
            ByteBuf back = new SyncLayer(layer).read(MIB - 100, data.length, 0, PooledByteBufAllocator.DEFAULT);
            assertArrayEquals(data, ByteBufUtil.getBytes(back));
            back.release();
            new SyncLayer(layer).flush(0);
        }
        byte[] onDisk = Files.readAllBytes(path);
        assertEquals(5 & 0xff, onDisk[MIB - 100] & 0xff);
    }

    @Test
    void aCompositeWriteLandsInOrder() throws Exception {
        Path path = sparse(MIB);
        try (Layer layer = FileLayer.open(path.toString(), false)) {
            CompositeByteBuf parts = Unpooled.compositeBuffer();
            parts.addComponent(true, Unpooled.directBuffer(3).writeBytes(new byte[] {1, 2, 3}));
            parts.addComponent(true, Unpooled.wrappedBuffer(new byte[] {4, 5}));
            new SyncLayer(layer).write(10, parts, 0);
            parts.release();
            ByteBuf back = new SyncLayer(layer).read(10, 5, 0, PooledByteBufAllocator.DEFAULT);
            assertArrayEquals(new byte[] {1, 2, 3, 4, 5}, ByteBufUtil.getBytes(back));
            back.release();
        }
    }

    @Test
    void sparseFileHolesShowInExtentsAndTrimPunchesThem() throws Exception {
        Path path = sparse(8 * MIB);
        try (Layer layer = FileLayer.open(path.toString(), false)) {
            new SyncLayer(layer).write(2 * MIB, Unpooled.wrappedBuffer(bytes(2 * MIB, 1)), 0);
            List<long[]> extents = extents(layer, 0, 8 * MIB);
            assertEquals(3, extents.size(), "hole, data, hole");
            assertEquals(2 * MIB, extents.get(0)[0]);
            assertEquals(ExtentSink.HOLE | ExtentSink.ZERO, extents.get(0)[1]);
            assertEquals(0, extents.get(1)[1]);
            new SyncLayer(layer).trim(2 * MIB, MIB, 0);
            List<long[]> after = extents(layer, 0, 8 * MIB);
            assertEquals(3 * MIB, after.get(0)[0], "the trimmed MiB joins the leading hole");
            ByteBuf zeros = new SyncLayer(layer).read(2 * MIB, 4096, 0, PooledByteBufAllocator.DEFAULT);
            assertEquals(-1, zeros.forEachByte(b -> b == 0));
            zeros.release();
        }
    }

    @Test
    void zeroWithFastZeroAndNoHole() throws Exception {
        Path path = sparse(4 * MIB);
        try (Layer layer = FileLayer.open(path.toString(), false)) {
            new SyncLayer(layer).write(0, Unpooled.wrappedBuffer(bytes(4 * MIB, 2)), 0);
            new SyncLayer(layer).zero(0, MIB, RequestFlags.FAST_ZERO);
            new SyncLayer(layer).zero(MIB, MIB, RequestFlags.NO_HOLE);
            ByteBuf back = new SyncLayer(layer).read(0, 2 * MIB, 0, PooledByteBufAllocator.DEFAULT);
            assertEquals(-1, back.forEachByte(b -> b == 0));
            back.release();
            assertEquals(ExtentSink.HOLE | ExtentSink.ZERO, extents(layer, 0, MIB).get(0)[1]);
            assertEquals(0, extents(layer, MIB, MIB).get(0)[1], "NO_HOLE keeps the range allocated");
        }
    }

    @Test
    void readOnlyRefusesWritesAndAdvertisesSo() throws Exception {
        Path path = sparse(MIB);
        try (Layer layer = FileLayer.open(path.toString(), true)) {
            assertTrue(!layer.capabilities().writable());
            NbdException e = assertThrows(NbdException.class, () -> new SyncLayer(layer).write(0, Unpooled.wrappedBuffer(new byte[1]), 0));
            assertEquals(NbdError.EPERM, e.error());
        }
    }

    @Test
    void missingFileNamesThePath() {
        String missing = dir.resolve("nope.img").toString();
        NbdException e = assertThrows(NbdException.class, () -> FileLayer.open(missing, false));
        assertTrue(e.getMessage().contains(missing) && e.getMessage().contains("no such file"), e.getMessage());
    }

    @Test
    void aDirectoryIsNamedAsSuchNotAsAnErrnoNumber() {
        String directory = dir.toString();
        NbdException e = assertThrows(NbdException.class, () -> FileLayer.open(directory, false));
        assertEquals("cannot open " + directory + ": is a directory (serve a regular file, an image or a block "
                + "device)", e.getMessage());
    }

    @Test
    void aFileWeMayOnlyReadSuggestsServingItReadOnly() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeFalse("root".equals(System.getProperty("user.name")),
                "root may write any file: no EACCES to see");
        Path path = sparse(MIB);
        java.nio.file.Files.setPosixFilePermissions(path, java.nio.file.attribute.PosixFilePermissions.fromString(
                "r--r--r--"));
        NbdException e = assertThrows(NbdException.class, () -> FileLayer.open(path.toString(), false));
        assertEquals(NbdError.EPERM, e.error());
        assertEquals("cannot open " + path + ": permission denied for writing (add ,ro to serve it read-only)",
                e.getMessage());
        try (Layer layer = FileLayer.open(path.toString(), true)) {
            assertEquals(MIB, layer.size());
        }
        java.nio.file.Files.setPosixFilePermissions(path, java.nio.file.attribute.PosixFilePermissions.fromString(
                "---------"));
        NbdException none = assertThrows(NbdException.class, () -> FileLayer.open(path.toString(), false));
        assertEquals("cannot open " + path + ": permission denied", none.getMessage(), "no ,ro hint: it would fail too");
    }

    @Test
    void aRegularFileIsNotADevice() throws Exception {
        Path path = sparse(MIB);
        NbdException e = assertThrows(NbdException.class,
                () -> new DeviceBackendFactory().open(path.toString(), new ExportContext("", true, Map.of()), ExportEvents.NONE));
        assertTrue(e.getMessage().contains("not a block device"), e.getMessage());
    }

    private static List<long[]> extents(Layer layer, long offset, long length) throws NbdException {
        List<long[]> seen = new ArrayList<>();
        new SyncLayer(layer).extents(offset, length, 0, (l, f) -> seen.add(new long[] {l, f}));
        return seen;
    }

    private static byte[] bytes(int length, int seed) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (i * 13 + seed | 1);
        }
        return b;
    }

    @Test
    void callsAfterCloseFailCleanlyInsteadOfReachingAReusedDescriptor() throws Exception {
        Path path = sparse(MIB);
        Layer layer = FileLayer.open(path.toString(), false);
        layer.close();
        layer.close();
        NbdException e = assertThrows(NbdException.class, () -> new SyncLayer(layer).write(0, Unpooled.wrappedBuffer(new byte[1]), 0));
        assertEquals(NbdError.EIO, e.error());
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }

    @Test
    void aFileThatGrowsIsPublishedAsASizeChangeAndNewConnectionsSeeIt() throws Exception {
        Path path = sparse(MIB);
        java.util.concurrent.BlockingQueue<org.enbd.api.layer.ExportEvent> events =
                new java.util.concurrent.LinkedBlockingQueue<>();
        FileBackendFactory factory = new FileBackendFactory();
        try (Layer layer = factory.open(path.toString(), new ExportContext("", false, Map.of()), events::add)) {
            try (RandomAccessFile f = new RandomAccessFile(path.toFile(), "rw")) {
                f.setLength(3 * MIB);
            }
            assertEquals(new org.enbd.api.layer.ExportEvent.SizeChanged(3 * MIB),
                    events.poll(10, java.util.concurrent.TimeUnit.SECONDS));
            assertEquals(3 * MIB, layer.size());
        } finally {
            factory.deactivate();
        }
    }
}
