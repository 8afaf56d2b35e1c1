package org.enbd.backend.file.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.layer.ExportContext;
import org.enbd.api.layer.ExportEvents;
import org.enbd.api.layer.Layer;
import org.enbd.api.layer.SyncLayer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code direct=true}: the file is open with O_DIRECT, and any byte range a client sends reads and writes what a
 * page-cache export would, however unaligned, including partial writes that share a block.
 */
class DirectIoTest {
    private static final int MIB = 1 << 20;

    @TempDir
    Path dir;

    private Path image(long size) throws Exception {
        Path path = Files.createTempFile(dir, "disk", ".img");
        try (RandomAccessFile f = new RandomAccessFile(path.toFile(), "rw")) {
            f.setLength(size);
        }
        return path;
    }

    private static Layer open(Path path, String direct) throws NbdException {
        return new FileBackendFactory().open(path.toString(), new ExportContext("", false, Map.of("direct", direct)),
                ExportEvents.NONE);
    }

    private static Layer openOrSkip(Path path) throws NbdException {
        try {
            return open(path, "true");
        } catch (NbdException e) {
            assumeTrue(!e.getMessage().contains("does not support direct I/O"), e.getMessage());
            throw e;
        }
    }

    @Test
    void theFileIsOpenWithODirect() throws Exception {
        Path path = image(MIB);
        try (Layer layer = openOrSkip(path)) {
            int flags = -1;
            for (Path fd : Files.list(Path.of("/proc/self/fd")).toList()) {
                try {
                    if (Files.readSymbolicLink(fd).equals(path)) {
                        String info = Files.readString(Path.of("/proc/self/fdinfo", fd.getFileName().toString()));
                        flags = Integer.parseInt(info.lines().filter(l -> l.startsWith("flags:")).findFirst()
                                .orElseThrow().substring(6).trim(), 8);
                    }
                } catch (java.io.IOException gone) {
                    // a descriptor closed while listing
                }
            }
            assertTrue(flags >= 0, "the export's descriptor is found");
            assertEquals(PosixFile.O_DIRECT, flags & PosixFile.O_DIRECT, "O_DIRECT in " + Integer.toOctalString(flags));
        }
    }

    @Test
    void unalignedReadsAndWritesMatchAModelOfTheDisk() throws Exception {
        Path path = image(MIB);
        byte[] model = new byte[MIB];
        Random random = new Random(7);
        try (Layer layer = openOrSkip(path)) {
            SyncLayer sync = new SyncLayer(layer);
            for (int i = 0; i < 300; i++) {
                int length = 1 + random.nextInt(i % 3 == 0 ? 3 * 4096 : 700);
                int offset = random.nextInt(MIB - length);
                byte[] data = new byte[length];
                random.nextBytes(data);
                if (i % 10 == 9) {
                    layer.zero(offset, length, 0).toCompletableFuture().get(30, TimeUnit.SECONDS);
                    java.util.Arrays.fill(data, (byte) 0);
                } else {
                    sync.write(offset, Unpooled.wrappedBuffer(data), 0);
                }
                System.arraycopy(data, 0, model, offset, length);
                int readLength = 1 + random.nextInt(9000);
                int readAt = random.nextInt(MIB - readLength);
                ByteBuf back = sync.read(readAt, readLength, 0, PooledByteBufAllocator.DEFAULT);
                try {
                    byte[] expected = java.util.Arrays.copyOfRange(model, readAt, readAt + readLength);
                    assertArrayEquals(expected, ByteBufUtil.getBytes(back), "read " + readLength + " at " + readAt);
                } finally {
                    back.release();
                }
            }
            sync.flush();
        }
        assertArrayEquals(model, Files.readAllBytes(path), "the file holds what was written");
        assertEquals(MIB, Files.size(path), "partial blocks never grew the file");
    }

    @Test
    void partialWritesSharingABlockFromManyThreadsAreAllKept() throws Exception {
        Path path = image(MIB);
        try (Layer layer = openOrSkip(path)) {
            List<CompletableFuture<Void>> writes = new ArrayList<>();
            byte[] expected = new byte[8192];
            for (int round = 0; round < 20; round++) {
                for (int k = 0; k < 16; k++) { // 16 writes of 10 bytes in block 0, 16 across blocks 0 and 1
                    byte value = (byte) (round * 16 + k + 1);
                    int at = k * 10;
                    int across = 4096 - 80 + k * 10;
                    for (int start : new int[] {at, across}) {
                        byte[] data = new byte[10];
                        java.util.Arrays.fill(data, value);
                        writes.add(layer.write(start, Unpooled.wrappedBuffer(data), 0).toCompletableFuture());
                        java.util.Arrays.fill(expected, start, start + 10, value);
                    }
                }
                CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
                writes.clear();
            }
            ByteBuf back = new SyncLayer(layer).read(0, 8192, 0, PooledByteBufAllocator.DEFAULT);
            try {
                assertArrayEquals(expected, ByteBufUtil.getBytes(back), "no partial write undone by another");
            } finally {
                back.release();
            }
        }
    }

    @Test
    void aSizeThatIsNotAMultipleOf4096AndABadValueAreRefusedWithTheReason() throws Exception {
        Path odd = image(MIB + 100);
        NbdException size = assertThrows(NbdException.class, () -> open(odd, "true"));
        assumeTrue(!size.getMessage().contains("does not support direct I/O"), size.getMessage());
        assertTrue(size.getMessage().contains("multiple of 4096"), size.getMessage());
        NbdException value = assertThrows(NbdException.class, () -> open(image(MIB), "maybe"));
        assertEquals(NbdError.EINVAL, value.error());
        assertTrue(value.getMessage().contains("direct=maybe: expected true or false"), value.getMessage());
    }
}
