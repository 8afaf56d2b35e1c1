package org.enbd.feature.cow.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.layer.ExtentSink;
import org.enbd.api.layer.SyncLayer;
import org.enbd.feature.cow.CowControl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CowLayerTest {
    private static final int BLOCK = 4096;
    private final CowFeature feature = new CowFeature(2, 0);
    private final BaseImage base = new BaseImage(16 * BLOCK + 1000);
    private final CowLayer layer = new CowLayer(base, overlay(), feature.io(), "disk", "export", true, null);
    private final SyncLayer sync = new SyncLayer(layer);

    private MemoryOverlay overlay() {
        try {
            return new MemoryOverlay(base.size, BLOCK, new SerialQueue(feature.io()), 0);
        } catch (NbdException e) {
            throw new AssertionError(e);
        }
    }

    @AfterEach
    void stop() throws InterruptedException {
        feature.deactivate();
    }

    private byte[] read(long offset, int length) throws NbdException {
        ByteBuf buf = sync.read(offset, length, ByteBufAllocator.DEFAULT);
        try {
            return ByteBufUtil.getBytes(buf);
        } finally {
            buf.release();
        }
    }

    private static byte[] baseBytes(long offset, int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = BaseImage.at(offset + i);
        }
        return bytes;
    }

    private static byte[] filled(int length, int value) {
        byte[] bytes = new byte[length];
        java.util.Arrays.fill(bytes, (byte) value);
        return bytes;
    }

    private void write(long offset, byte[] bytes) throws NbdException {
        sync.write(offset, Unpooled.wrappedBuffer(bytes), 0);
    }

    @Test
    void aReadOnlyDiskBecomesWritableAndIsNeverWritten() throws Exception {
        assertFalse(base.capabilities().writable());
        assertTrue(layer.capabilities().writable());

        write(BLOCK, filled(BLOCK, 7));

        assertArrayEquals(filled(BLOCK, 7), read(BLOCK, BLOCK));
        assertTrue(base.calls.stream().noneMatch(c -> c.startsWith("write")), base.calls.toString());
    }

    @Test
    void untouchedBlocksAreReadStraightFromBelowOnTheCallersThread() throws Exception {
        String caller = Thread.currentThread().getName();

        assertArrayEquals(baseBytes(100, 3 * BLOCK), read(100, 3 * BLOCK));

        assertEquals(List.of("read 100+" + 3 * BLOCK + " on " + caller), base.calls);
    }

    @Test
    void aPartialWriteOfAnUntouchedBlockKeepsTheRestOfTheBlockFromBelow() throws Exception {
        write(BLOCK + 10, "hello".getBytes(StandardCharsets.US_ASCII));

        byte[] expected = baseBytes(BLOCK, BLOCK);
        System.arraycopy("hello".getBytes(StandardCharsets.US_ASCII), 0, expected, 10, 5);
        assertArrayEquals(expected, read(BLOCK, BLOCK));
        assertTrue(base.calls.getFirst().matches("read 4096\\+4096 on enbd-cow-io-\\d"),
                "the base block is read by the feature's thread: " + base.calls);
    }

    @Test
    void aReadAcrossUntouchedWrittenAndZeroedBlocksMergesThem() throws Exception {
        write(2 * BLOCK, filled(BLOCK, 9));
        sync.zero(3 * BLOCK, BLOCK, 0);

        byte[] expected = baseBytes(BLOCK, 4 * BLOCK);
        System.arraycopy(filled(BLOCK, 9), 0, expected, BLOCK, BLOCK);
        System.arraycopy(new byte[BLOCK], 0, expected, 2 * BLOCK, BLOCK);
        assertArrayEquals(expected, read(BLOCK, 4 * BLOCK));
    }

    @Test
    void zeroAndTrimOfWholeBlocksReadAsZerosAndPartsOfBlocksAsZeroOnlyForZero() throws Exception {
        sync.zero(100, 2 * BLOCK, 0);   // block 0 from 100, block 1 whole, block 2 up to 100
        sync.trim(4 * BLOCK + 100, 2 * BLOCK, 0);

        assertArrayEquals(baseBytes(0, 100), read(0, 100));
        assertArrayEquals(new byte[2 * BLOCK], read(100, 2 * BLOCK));
        assertArrayEquals(baseBytes(2 * BLOCK + 100, 10), read(2 * BLOCK + 100, 10));
        assertArrayEquals(baseBytes(4 * BLOCK, BLOCK), read(4 * BLOCK, BLOCK), "a trim of part of a block: nothing");
        assertArrayEquals(new byte[BLOCK], read(5 * BLOCK, BLOCK), "a trimmed whole block reads as zeros");
    }

    @Test
    void theLastBlockOfADiskThatIsNotAMultipleOfTheBlockIsShort() throws Exception {
        write(base.size - 10, filled(10, 3));

        byte[] expected = baseBytes(16 * BLOCK, 1000);
        System.arraycopy(filled(10, 3), 0, expected, 990, 10);
        assertArrayEquals(expected, read(16 * BLOCK, 1000));
    }

    @Test
    void blockStatusReportsTheOverlaysBlocksAndAsksBelowForTheRest() throws Exception {
        write(2 * BLOCK, filled(BLOCK, 1));
        sync.zero(3 * BLOCK, 2 * BLOCK, 0);
        List<String> extents = new ArrayList<>();

        sync.extents(BLOCK, 6 * BLOCK, 0, (length, flags) -> extents.add(length + ":" + flags));

        assertEquals(List.of(BLOCK + ":0", BLOCK + ":0", 2 * BLOCK + ":" + (ExtentSink.HOLE | ExtentSink.ZERO),
                2 * BLOCK + ":0"), extents);
        assertEquals(List.of("extents 4096+4096", "extents 20480+8192"),
                base.calls.stream().filter(c -> c.startsWith("extents")).toList());
    }

    @Test
    void blockStatusStopsWhenTheSinkHasEnough() throws Exception {
        sync.zero(0, BLOCK, 0);
        List<String> extents = new ArrayList<>();

        sync.extents(0, 4 * BLOCK, 0, (length, flags) -> extents.add(length + ":" + flags) && false);

        assertEquals(List.of(BLOCK + ":3"), extents);
        assertTrue(base.calls.isEmpty(), "nothing asked below: " + base.calls);
    }

    @Test
    void concurrentPartialWritesToOneBlockAreAllKept() throws Exception {
        List<CompletionStage<Void>> writes = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            writes.add(layer.write(BLOCK + i * 8, Unpooled.wrappedBuffer(filled(8, i + 100)), 0));
        }
        CompletableFuture.allOf(writes.stream().map(CompletionStage::toCompletableFuture)
                .toArray(CompletableFuture[]::new)).join();

        byte[] block = read(BLOCK, BLOCK);
        for (int i = 0; i < 64; i++) {
            assertEquals((byte) (i + 100), block[i * 8], "write " + i);
        }
        assertArrayEquals(baseBytes(BLOCK + 512, BLOCK - 512), java.util.Arrays.copyOfRange(block, 512, BLOCK));
    }

    @Test
    void cowShowDescribesTheOverlayAndCowDropForgetsIt() throws Exception {
        write(0, filled(2 * BLOCK, 5));
        sync.zero(4 * BLOCK, BLOCK, 0);

        assertEquals("{\"export\":\"disk\",\"scope\":\"export\",\"store\":\"memory\",\"blockSize\":4096,"
                + "\"dataBlocks\":2,\"zeroBlocks\":1,\"bytes\":8192}", control(CowControl.SHOW));
        assertEquals("{\"export\":\"disk\",\"scope\":\"export\",\"store\":\"memory\",\"blockSize\":4096,"
                + "\"dataBlocks\":0,\"zeroBlocks\":0,\"bytes\":0}", control(CowControl.DROP));
        assertArrayEquals(baseBytes(0, 5 * BLOCK), read(0, 5 * BLOCK));
    }

    @Test
    void otherControlMessagesOfTheRangeAreRefusedAndOthersPassOn() {
        NbdException undefined = org.junit.jupiter.api.Assertions.assertThrows(NbdException.class,
                () -> control(0x04FF));
        NbdException passed = org.junit.jupiter.api.Assertions.assertThrows(NbdException.class,
                () -> control(0x0300));

        assertEquals(NbdError.ENOTSUP, undefined.error());
        assertEquals("cow control message 0x4ff is not defined", undefined.getMessage());
        assertEquals("control message 0x300 is not understood", passed.getMessage(), "the base's default answer");
    }

    private String control(int type) throws NbdException {
        ByteBuf reply = sync.control(type, Unpooled.EMPTY_BUFFER, ByteBufAllocator.DEFAULT);
        try {
            return reply.toString(StandardCharsets.UTF_8);
        } finally {
            reply.release();
        }
    }
}
