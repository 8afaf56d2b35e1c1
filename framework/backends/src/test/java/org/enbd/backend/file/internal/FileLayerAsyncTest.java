package org.enbd.backend.file.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.layer.RequestFlags;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file backend's asynchronous side: page-cache hits answered at once, the rest on its I/O threads. */
class FileLayerAsyncTest {
    private static final int MIB = 1 << 20;

    @TempDir
    Path dir;

    private FileLayer open(long size) throws Exception {
        Path path = Files.createTempFile(dir, "disk", ".img");
        try (RandomAccessFile f = new RandomAccessFile(path.toFile(), "rw")) {
            f.setLength(size);
        }
        return FileLayer.open(path.toString(), false);
    }

    private static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + seed);
        }
        return b;
    }

    @Test
    void writtenDataReadsBackAsynchronously() throws Exception {
        try (FileLayer layer = open(4 * MIB)) {
            byte[] data = bytes(3 * 4096 + 5, 9);
            layer.write(MIB - 7, Unpooled.wrappedBuffer(data), RequestFlags.FUA).toCompletableFuture()
                    .get(5, TimeUnit.SECONDS);
            ByteBuf back = layer.read(MIB - 7, data.length, 0, PooledByteBufAllocator.DEFAULT)
                    .toCompletableFuture().get(5, TimeUnit.SECONDS);
            assertArrayEquals(data, ByteBufUtil.getBytes(back));
            back.release();
            layer.flush(0).toCompletableFuture().get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void aCachedReadFillsTheBufferOrLeavesItUntouched() throws Exception {
        try (FileLayer layer = open(MIB)) {
            byte[] data = bytes(8192, 3);
            layer.write(4096, Unpooled.wrappedBuffer(data), 0).toCompletableFuture().get(5, TimeUnit.SECONDS);
            ByteBuf into = PooledByteBufAllocator.DEFAULT.directBuffer(8192);
            try {
                boolean hit = layer.file.readCached(4096, into, 8192);
                // just written, so in the page cache: a hit wherever RWF_NOWAIT works (Linux >= 4.14)
                assertTrue(hit, "data just written is in the page cache");
                assertArrayEquals(data, ByteBufUtil.getBytes(into));
            } finally {
                into.release();
            }
            ByteBuf pastEnd = PooledByteBufAllocator.DEFAULT.directBuffer(4096);
            try {
                // EOF inside the range comes back short: left to the blocking path, which zero-fills
                assertEquals(false, layer.file.readCached(MIB - 1024, pastEnd, 4096));
                assertEquals(0, pastEnd.writerIndex());
            } finally {
                pastEnd.release();
            }
        }
    }

    @Test
    void aReadPastEndOfFileIsZeroFilledOnTheBlockingPath() throws Exception {
        try (FileLayer layer = open(MIB)) {
            ByteBuf back = layer.read(MIB - 1024, 4096, 0, PooledByteBufAllocator.DEFAULT)
                    .toCompletableFuture().get(5, TimeUnit.SECONDS);
            assertEquals(4096, back.readableBytes());
            assertArrayEquals(new byte[4096], ByteBufUtil.getBytes(back));
            back.release();
        }
    }

    @Test
    void callsAfterCloseFailWithAnNbdError() throws Exception {
        FileLayer layer = open(MIB);
        layer.close();
        ExecutionException read = assertThrows(ExecutionException.class, () -> layer.read(0, 512, 0,
                PooledByteBufAllocator.DEFAULT).toCompletableFuture().get(5, TimeUnit.SECONDS));
        assertInstanceOf(NbdException.class, read.getCause());
        ExecutionException write = assertThrows(ExecutionException.class, () -> layer.write(0,
                Unpooled.wrappedBuffer(new byte[512]), 0).toCompletableFuture().get(5, TimeUnit.SECONDS));
        assertEquals(NbdError.EIO, ((NbdException) write.getCause()).error());
    }

    @Test
    void aPayloadInManyDirectPartsIsWrittenWholeAndInOrder() throws Exception {
        for (int count : new int[] {20, PosixFile.MAX_IOV + 6}) {
            try (FileLayer layer = open(4 * MIB)) {
                byte[] data = bytes(count * 1000 + 37, count);
                io.netty.buffer.CompositeByteBuf received = PooledByteBufAllocator.DEFAULT.compositeDirectBuffer(256);
                int at = 0;
                for (int i = 0; i < count; i++) {
                    int n = i == count - 1 ? data.length - at : 1000;
                    received.addComponent(true, PooledByteBufAllocator.DEFAULT.directBuffer(n).writeBytes(data, at, n));
                    at += n;
                }
                // the decoder hands out a slice starting inside the first part, as after a request header
                ByteBuf payload = received.retainedSlice(13, data.length - 13);
                layer.write(MIB + 5, payload, 0).toCompletableFuture().get(5, TimeUnit.SECONDS);
                payload.release();
                received.release();
                ByteBuf back = layer.read(MIB + 5, data.length - 13, 0, PooledByteBufAllocator.DEFAULT)
                        .toCompletableFuture().get(5, TimeUnit.SECONDS);
                assertArrayEquals(java.util.Arrays.copyOfRange(data, 13, data.length), ByteBufUtil.getBytes(back),
                        count + " parts");
                back.release();
            }
        }
    }
}
