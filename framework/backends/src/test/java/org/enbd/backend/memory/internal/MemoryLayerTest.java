package org.enbd.backend.memory.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import org.enbd.api.NbdException;
import org.enbd.api.layer.ExportContext;
import org.enbd.api.layer.ExtentSink;
import org.enbd.api.layer.RequestFlags;
import org.enbd.api.layer.SyncLayer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MemoryLayerTest {
    private static final int PAGE = MemoryLayer.PAGE;
    private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private final MemoryLayer layer = new MemoryLayer(4L * PAGE + 100, false);

    @AfterEach
    void close() throws NbdException {
        layer.close();
    }

    @Test
    void sizesParseLikeNbdkit() throws NbdException {
        assertEquals(1L << 30, ByteSize.parse("1G"));
        assertEquals(512L << 20, ByteSize.parse("512M"));
        assertEquals(64L << 10, ByteSize.parse("64k"));
        assertEquals(4096, ByteSize.parse("4096"));
        assertEquals(1L << 20, ByteSize.parse("1MiB"));
        assertThrows(NbdException.class, () -> ByteSize.parse("lots"));
        assertThrows(NbdException.class, () -> new MemoryBackendFactory().open("0", new ExportContext("", false, java.util.Map.of()), org.enbd.api.layer.ExportEvents.NONE));
    }

    @Test
    void unwrittenReadsAsZerosAndAllocatesNothing() throws NbdException {
        assertEquals(0, countNonZero(read(PAGE - 10, 3 * PAGE)));
        assertEquals(0, layer.allocatedPages());
    }

    @Test
    void writeAcrossPagesReadsBack() throws NbdException {
        byte[] data = pattern(PAGE + 4000, 7);
        layer.write(PAGE - 2000, Unpooled.wrappedBuffer(data), 0);
        assertEquals(3, layer.allocatedPages());
        byte[] back = read(PAGE - 2000, data.length);
        assertTrue(java.util.Arrays.equals(data, back));
    }

    @Test
    void lastPartialPageWorks() throws NbdException {
        layer.write(4L * PAGE + 90, Unpooled.wrappedBuffer(pattern(10, 3)), 0);
        assertTrue(java.util.Arrays.equals(pattern(10, 3), read(4L * PAGE + 90, 10)));
    }

    @Test
    void trimFreesWholePagesAndExtentsShowHoles() throws NbdException {
        layer.write(0, Unpooled.wrappedBuffer(pattern(3 * PAGE, 1)), 0);
        layer.trim(PAGE, PAGE + 5, 0);
        assertEquals(2, layer.allocatedPages());
        assertEquals(0, countNonZero(read(PAGE, PAGE + 5)));
        assertTrue(countNonZero(read(2L * PAGE + 5, 100)) > 0, "the rest of a partly trimmed page stays");
        List<long[]> extents = extents(0, 4L * PAGE + 100, 0);
        assertEquals(List.of(List.of((long) PAGE, 0L), List.of((long) PAGE, 3L), List.of((long) PAGE, 0L),
                List.of((long) PAGE + 100, 3L)), extents.stream().map(e -> List.of(e[0], e[1])).toList());
    }

    @Test
    void zeroWithNoHoleKeepsPagesAllocated() throws NbdException {
        layer.zero(0, 2L * PAGE, RequestFlags.NO_HOLE);
        assertEquals(2, layer.allocatedPages());
        layer.zero(0, 2L * PAGE, 0);
        assertEquals(0, layer.allocatedPages());
    }

    @Test
    void extentsStopWhenTheSinkIsFull() throws NbdException {
        layer.write(PAGE, Unpooled.wrappedBuffer(pattern(10, 1)), 0);
        List<long[]> seen = new ArrayList<>();
        layer.extents(10, 3L * PAGE, 0, (length, flags) -> {
            seen.add(new long[] {length, flags});
            return false;
        });
        assertEquals(1, seen.size());
        assertEquals(PAGE - 10, seen.get(0)[0]);
        assertEquals(ExtentSink.HOLE | ExtentSink.ZERO, seen.get(0)[1]);
    }

    @Test
    void aReadSliceOutlivesATrimOfItsPage() throws NbdException {
        layer.write(0, Unpooled.wrappedBuffer(pattern(PAGE, 9)), 0);
        ByteBuf held = SyncLayer.await(layer.read(0, 16, 0, alloc));
        layer.trim(0, PAGE, 0);
        assertEquals(pattern(PAGE, 9)[5], held.getByte(5));
        held.release();
        assertTrue(layer.capabilities().writable());
        // memory never makes its caller wait: every stage is complete when it is returned
        var stage = layer.read(0, 16, 0, alloc).toCompletableFuture();
        assertTrue(stage.isDone());
        stage.join().release();
        assertTrue(layer.flush(0).toCompletableFuture().isDone());
    }

    private List<long[]> extents(long offset, long length, int flags) {
        List<long[]> seen = new ArrayList<>();
        layer.extents(offset, length, flags, (l, f) -> seen.add(new long[] {l, f}));
        return seen;
    }

    @Test
    void afterCloseRequestsFailWithEio() throws NbdException {
        layer.close();
        NbdException e = assertThrows(NbdException.class, () -> SyncLayer.await(layer.read(0, 10, 0, alloc)));
        assertEquals(org.enbd.api.NbdError.EIO, e.error());
    }

    private byte[] read(long offset, int length) throws NbdException {
        ByteBuf buf = SyncLayer.await(layer.read(offset, length, 0, alloc));
        try {
            assertEquals(length, buf.readableBytes());
            return ByteBufUtil.getBytes(buf);
        } finally {
            buf.release();
        }
    }

    static byte[] pattern(int length, int seed) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (i * 31 + seed + (i >>> 12));
        }
        return b;
    }

    private static int countNonZero(byte[] bytes) {
        int n = 0;
        for (byte b : bytes) {
            n += b == 0 ? 0 : 1;
        }
        return n;
    }
}
