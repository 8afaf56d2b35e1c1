package org.enbd.backend.memory.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import org.enbd.api.NbdException;
import org.enbd.api.layer.ExportContext;
import org.enbd.api.layer.ExportEvents;
import org.enbd.api.layer.ExtentSink;
import org.enbd.api.layer.Layer;
import org.enbd.api.layer.SyncLayer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The page table costs what is written, not what the export's size would be as an array. */
class SparseMemoryLayerTest {
    private static final int PAGE = MemoryLayer.PAGE;
    private static final long PETABYTE = 1L << 50;
    private final MemoryLayer layer = new MemoryLayer(PETABYTE, false);

    @AfterEach
    void close() {
        layer.close();
    }

    @Test
    void aPetabyteOpensThroughTheFactoryWithoutAllocatingPages() throws NbdException {
        Runtime runtime = Runtime.getRuntime();
        long before = runtime.totalMemory() - runtime.freeMemory();
        // 20 of them: the old eager table was a 4 GiB array each
        List<Layer> exports = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            exports.add(new MemoryBackendFactory().open("1P", new ExportContext("big", false, java.util.Map.of()),
                    ExportEvents.NONE));
        }
        assertEquals(PETABYTE, exports.get(0).size());
        assertEquals(0, ((MemoryLayer) exports.get(0)).allocatedPages());
        long grown = runtime.totalMemory() - runtime.freeMemory() - before;
        assertTrue(grown < 64L << 20, "20 petabyte exports took " + grown + " bytes of heap");
        for (Layer export : exports) {
            export.close();
        }
    }

    @Test
    void readsAtTheFarEndAreZerosAndAllocateNothing() throws NbdException {
        byte[] back = read(PETABYTE - 3L * PAGE / 2, 2 * PAGE);
        assertEquals(2 * PAGE, back.length);
        for (byte b : back) {
            assertEquals(0, b);
        }
        assertEquals(0, layer.allocatedPages());
    }

    @Test
    void writesFarApartCostOnePageEachAndReadBack() throws NbdException {
        byte[] head = MemoryLayerTest.pattern(4096, 1);
        byte[] tail = MemoryLayerTest.pattern(4096, 2);
        layer.write(7, Unpooled.wrappedBuffer(head), 0);
        layer.write(PETABYTE - 4096, Unpooled.wrappedBuffer(tail), 0);
        assertEquals(2, layer.allocatedPages());
        assertArrayEquals(head, read(7, 4096));
        assertArrayEquals(tail, read(PETABYTE - 4096, 4096));
    }

    @Test
    void extentsOfAPetabyteJumpOverTheHoles() {
        layer.write(PAGE, Unpooled.wrappedBuffer(new byte[] {1}), 0);
        layer.write(2L * PAGE, Unpooled.wrappedBuffer(new byte[] {2}), 0);
        layer.write(PETABYTE - 1, Unpooled.wrappedBuffer(new byte[] {3}), 0);
        List<List<Long>> seen = new ArrayList<>();
        layer.extents(0, PETABYTE, 0, (length, flags) -> seen.add(List.of(length, (long) flags)));
        long hole = ExtentSink.HOLE | ExtentSink.ZERO;
        assertEquals(List.of(List.of((long) PAGE, hole), List.of(2L * PAGE, 0L),
                List.of(PETABYTE - 4L * PAGE, hole), List.of((long) PAGE, 0L)), seen);
    }

    @Test
    void trimOfTheWholeExportFreesWhatWasWrittenAndKeepsNothing() throws NbdException {
        layer.write(5L * PAGE + 3, Unpooled.wrappedBuffer(MemoryLayerTest.pattern(PAGE, 4)), 0);
        layer.write(PETABYTE / 2, Unpooled.wrappedBuffer(MemoryLayerTest.pattern(100, 5)), 0);
        assertEquals(3, layer.allocatedPages());
        layer.trim(0, PETABYTE, 0);
        assertEquals(0, layer.allocatedPages());
        assertEquals(0, countNonZero(read(5L * PAGE, PAGE + 10)));
    }

    @Test
    void aTrimEndingInsideAPageZeroesItsHeadAndKeepsTheRest() throws NbdException {
        layer.write(0, Unpooled.wrappedBuffer(MemoryLayerTest.pattern(3 * PAGE, 6)), 0);
        layer.trim(0, 2L * PAGE + 10, 0);
        assertEquals(1, layer.allocatedPages());
        assertEquals(0, countNonZero(read(0, 2 * PAGE + 10)));
        assertArrayEquals(java.util.Arrays.copyOfRange(MemoryLayerTest.pattern(3 * PAGE, 6), 2 * PAGE + 10, 3 * PAGE),
                read(2L * PAGE + 10, PAGE - 10));
    }

    @Test
    void theLastPartialPageOfAnOddSizeIsFreedByATrimToTheEnd() throws NbdException {
        MemoryLayer odd = new MemoryLayer(3L * PAGE + 100, false);
        try {
            odd.write(3L * PAGE, Unpooled.wrappedBuffer(MemoryLayerTest.pattern(100, 7)), 0);
            odd.write(PAGE, Unpooled.wrappedBuffer(MemoryLayerTest.pattern(100, 7)), 0);
            odd.trim(2L * PAGE, PAGE + 100, 0);
            assertEquals(1, odd.allocatedPages(), "the page at 1 MiB stays, the partial last page is freed");
        } finally {
            odd.close();
        }
    }

    private byte[] read(long offset, int length) throws NbdException {
        ByteBuf buf = SyncLayer.await(layer.read(offset, length, 0, PooledByteBufAllocator.DEFAULT));
        try {
            return ByteBufUtil.getBytes(buf);
        } finally {
            buf.release();
        }
    }

    private static int countNonZero(byte[] bytes) {
        int n = 0;
        for (byte b : bytes) {
            n += b == 0 ? 0 : 1;
        }
        return n;
    }
}
