package org.enbd.feature.cow.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.layer.RequestFlags;
import org.enbd.api.layer.SyncLayer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileOverlayTest {
    private static final int BLOCK = 4096;
    @TempDir
    Path dir;
    private final CowFeature feature = new CowFeature(2, 0);
    private final BaseImage base = new BaseImage(64 * BLOCK);

    @AfterEach
    void stop() throws InterruptedException {
        feature.deactivate();
    }

    private FileOverlay open(Path file) throws NbdException {
        return FileOverlay.open(file, base.size, BLOCK, new SerialQueue(feature.io()));
    }

    private SyncLayer layer(FileOverlay overlay) {
        return new SyncLayer(new CowLayer(base, overlay, feature.io(), "disk", "export", true, null));
    }

    private static byte[] read(SyncLayer layer, long offset, int length) throws NbdException {
        ByteBuf buf = layer.read(offset, length, ByteBufAllocator.DEFAULT);
        try {
            return ByteBufUtil.getBytes(buf);
        } finally {
            buf.release();
        }
    }

    private static byte[] filled(int length, int value) {
        byte[] bytes = new byte[length];
        java.util.Arrays.fill(bytes, (byte) value);
        return bytes;
    }

    @Test
    void flushedChangesAreThereAfterARestart() throws Exception {
        Path file = dir.resolve("disk.cow");
        FileOverlay first = open(file);
        layer(first).write(3 * BLOCK, Unpooled.wrappedBuffer(filled(BLOCK, 8)), 0);
        layer(first).zero(10 * BLOCK, 2 * BLOCK, 0);
        layer(first).flush();
        first.close();

        FileOverlay again = open(file);

        assertArrayEquals(filled(BLOCK, 8), read(layer(again), 3 * BLOCK, BLOCK));
        assertArrayEquals(new byte[2 * BLOCK], read(layer(again), 10 * BLOCK, 2 * BLOCK));
        assertEquals(1, again.dataBlocks());
        assertEquals(2, again.zeroBlocks());
        again.close();
    }

    @Test
    void aCrashBeforeTheFlushLeavesWhatWasFlushedAndNeverUnwrittenBytes() throws Exception {
        Path file = dir.resolve("disk.cow");
        FileOverlay overlay = open(file);
        SyncLayer layer = layer(overlay);
        layer.write(0, Unpooled.wrappedBuffer(filled(BLOCK, 1)), RequestFlags.FUA);
        layer.write(BLOCK, Unpooled.wrappedBuffer(filled(BLOCK, 2)), 0); // acknowledged, not flushed
        Path crashed = Files.copy(file, dir.resolve("crashed.cow"), StandardCopyOption.COPY_ATTRIBUTES);
        overlay.close();

        FileOverlay after = open(crashed);

        assertArrayEquals(filled(BLOCK, 1), read(layer(after), 0, BLOCK), "the FUA write is durable");
        byte[] second = read(layer(after), BLOCK, BLOCK);
        assertEquals(BaseImage.at(BLOCK), second[0], "the unflushed block reads from below, as before the write");
        after.close();
    }

    @Test
    void aDroppedOverlayStaysEmptyAfterARestart() throws Exception {
        Path file = dir.resolve("disk.cow");
        FileOverlay overlay = open(file);
        layer(overlay).write(0, Unpooled.wrappedBuffer(filled(8 * BLOCK, 4)), RequestFlags.FUA);
        layer(overlay).control(org.enbd.feature.cow.CowControl.DROP, Unpooled.EMPTY_BUFFER, ByteBufAllocator.DEFAULT)
                .release();
        overlay.close();

        FileOverlay again = open(file);

        assertEquals(0, again.dataBlocks());
        assertTrue(Files.size(file) <= 2L * BLOCK, "the data was freed: " + Files.size(file));
        again.close();
    }

    @Test
    void anOverlayMadeForAnotherDiskOrBlockSizeIsRefused() throws Exception {
        Path file = dir.resolve("disk.cow");
        open(file).close();

        NbdException size = assertThrows(NbdException.class,
                () -> FileOverlay.open(file, base.size * 2, BLOCK, new SerialQueue(feature.io())));
        NbdException block = assertThrows(NbdException.class,
                () -> FileOverlay.open(file, base.size, 2 * BLOCK, new SerialQueue(feature.io())));

        assertEquals("overlay " + file + " was made for a disk of 262144 bytes in blocks of 4096, not 524288 bytes "
                + "in blocks of 4096", size.getMessage());
        assertEquals(NbdError.EINVAL, block.error());
    }

    @Test
    void aFileThatIsNotAnOverlayOrHasADamagedMapIsRefused() throws Exception {
        Path garbage = Files.write(dir.resolve("garbage.cow"), filled(10000, 'x'));
        Path damaged = dir.resolve("damaged.cow");
        open(damaged).close();
        try (var channel = java.nio.channels.FileChannel.open(damaged, java.nio.file.StandardOpenOption.WRITE)) {
            channel.write(java.nio.ByteBuffer.wrap(new byte[] {9}), FileOverlay.HEADER + 5);
        }

        assertEquals(garbage + " is not an ENBD-J overlay (version 1)",
                assertThrows(NbdException.class, () -> open(garbage)).getMessage());
        assertEquals("overlay " + damaged + " has a damaged map (block 5 has state 9)",
                assertThrows(NbdException.class, () -> open(damaged)).getMessage());
    }

    @Test
    void oneOverlayFileServesOneExportAtATime() throws Exception {
        Path file = dir.resolve("disk.cow");
        FileOverlay first = open(file);

        NbdException e = assertThrows(NbdException.class, () -> open(file));

        assertEquals("overlay " + file + " is in use by another export", e.getMessage());
        first.close();
        open(file).close();
    }
}
