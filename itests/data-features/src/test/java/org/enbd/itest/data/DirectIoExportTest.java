package org.enbd.itest.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.enbd.backend.file.internal.FileLayer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file export with {@code direct=true} (O_DIRECT) written by real clients: nbdcopy in large aligned requests,
 * then qemu-io in small unaligned ones (qemu's NBD driver sends byte ranges as asked); the file on disk then holds
 * exactly what they wrote, and qemu-img compare sees the same through the export.
 */
class DirectIoExportTest {
    private static final int MIB = 1 << 20;
    @TempDir
    Path dir;

    @Test
    void copiesAndUnalignedWritesLandByteForByte() throws Exception {
        Peer.require("nbdcopy");
        Peer.require("qemu-io");
        Path disk = dir.resolve("disk.img");
        try (RandomAccessFile file = new RandomAccessFile(disk.toFile(), "rw")) {
            file.setLength(32 * MIB);
        }
        try {
            FileLayer.open(disk.toString(), false, true).close();
        } catch (org.enbd.api.NbdException e) {
            assumeTrue(false, e.getMessage()); // a file system without O_DIRECT (tmpfs)
        }
        byte[] expected = new byte[32 * MIB];
        new Random(11).nextBytes(expected);
        Path source = Files.write(dir.resolve("source.img"), expected);
        try (DataServer server = new DataServer().export("direct", "file:" + disk, Map.of("direct", "true"))
                .start()) {
            String uri = server.uri("direct");
            Peer.run("nbdcopy", source.toString(), uri).ok();
            int[][] writes = {{1000, 5000, 0xab}, {4095, 2, 0xcd}, {8191, 8194, 0xef}, {32 * MIB - 7, 7, 0x11}};
            for (int[] w : writes) {
                Peer.run("qemu-io", "-f", "raw", "-c", "write -P " + w[2] + " " + w[0] + " " + w[1], uri).ok();
                Arrays.fill(expected, w[0], w[0] + w[1], (byte) w[2]);
            }
            Peer.run("qemu-img", "compare", "-f", "raw", "-F", "raw", disk.toString(), uri).ok();
        }
        assertArrayEquals(expected, Files.readAllBytes(disk), "the file holds the copy and every unaligned write");
    }
}
