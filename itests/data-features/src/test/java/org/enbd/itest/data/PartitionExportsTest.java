package org.enbd.itest.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.enbd.feature.partition.internal.PartitionFeature;
import org.enbd.server.StackEntry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A GPT disk image with two partitions, made by sgdisk, served as one export per partition: nbdinfo and
 * qemu-img see each partition's size as sgdisk placed it, nbdcopy reads each partition's own bytes, a write
 * through one export lands inside its partition of the image and nowhere else, and a partition the table does not
 * have is refused at the handshake.
 */
class PartitionExportsTest {
    private static final int MIB = 1 << 20;
    @TempDir
    static Path dir;
    static Path disk;
    static DataServer server;
    /** Where sgdisk put each partition: byte offset and length, from its own report. */
    static long[][] placed = new long[3][];

    @BeforeAll
    static void start() throws Exception {
        Peer.require("sgdisk");
        disk = dir.resolve("disk.img");
        try (RandomAccessFile file = new RandomAccessFile(disk.toFile(), "rw")) {
            file.setLength(48 * MIB);
        }
        Peer.run("sgdisk", "-n", "1:2048:+12M", "-c", "1:boot", "-n", "2:0:0", "-c", "2:data", disk.toString()).ok();
        for (int n = 1; n <= 2; n++) {
            placed[n] = placed(n);
            fill(placed[n], n);
        }
        PartitionFeature partition = new PartitionFeature(30_000);
        server = new DataServer()
                .export("p1", "file:" + disk, Map.of("partition", "1"), StackEntry.of("partition", partition))
                .export("p2", "file:" + disk, Map.of("partition", "2"), StackEntry.of("partition", partition))
                .export("p3", "file:" + disk, Map.of("partition", "3"), StackEntry.of("partition", partition))
                .start();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** {offset, length} in bytes of partition {@code n} as {@code sgdisk -i} reports it. */
    private static long[] placed(int n) {
        String info = Peer.run("sgdisk", "-i", String.valueOf(n), disk.toString()).ok().stdout();
        long first = sector(info, "First sector");
        long last = sector(info, "Last sector");
        return new long[] {first * 512, (last - first + 1) * 512};
    }

    private static long sector(String info, String field) {
        Matcher m = Pattern.compile(field + ": (\\d+)").matcher(info);
        assertTrue(m.find(), info);
        return Long.parseLong(m.group(1));
    }

    /** Fills a partition with random bytes seeded by its number. */
    private static void fill(long[] at, int seed) throws IOException {
        byte[] bytes = new byte[(int) at[1]];
        new Random(seed).nextBytes(bytes);
        try (RandomAccessFile file = new RandomAccessFile(disk.toFile(), "rw")) {
            file.seek(at[0]);
            file.write(bytes);
        }
    }

    private static byte[] imageBytes(long offset, long length) throws IOException {
        byte[] bytes = new byte[(int) length];
        try (RandomAccessFile file = new RandomAccessFile(disk.toFile(), "r")) {
            file.seek(offset);
            file.readFully(bytes);
        }
        return bytes;
    }

    @Test
    void nbdinfoAndQemuImgSeeEachPartitionsSize() {
        for (int n = 1; n <= 2; n++) {
            String size = Peer.run("nbdinfo", "--size", server.uri("p" + n)).ok().stdout().strip();
            String info = Peer.run("qemu-img", "info", "--output=json", "-f", "raw", server.uri("p" + n)).ok()
                    .stdout();

            assertEquals(String.valueOf(placed[n][1]), size, "partition " + n);
            assertTrue(info.contains("\"virtual-size\": " + placed[n][1]), info);
        }
        assertEquals(12L * MIB, placed[1][1], "sgdisk made the first partition 12 MiB");
    }

    @Test
    void nbdcopyAndQemuImgReadEachPartitionsOwnBytes() throws Exception {
        Path one = dir.resolve("p1.raw");
        Path two = dir.resolve("p2.raw");

        Peer.run("nbdcopy", server.uri("p1"), one.toString()).ok();
        Peer.run("qemu-img", "convert", "-f", "raw", "-O", "raw", server.uri("p2"), two.toString()).ok();

        assertArrayEquals(imageBytes(placed[1][0], placed[1][1]), Files.readAllBytes(one));
        assertArrayEquals(imageBytes(placed[2][0], placed[2][1]), Files.readAllBytes(two));
    }

    @Test
    void aWriteThroughOnePartitionLandsInsideItAndNowhereElse() throws Exception {
        byte[] before = imageBytes(0, Files.size(disk));
        byte[] payload = new byte[MIB];
        Arrays.fill(payload, (byte) 0x5a);
        Path source = Files.write(dir.resolve("payload.raw"), payload);

        Peer.run("nbdcopy", source.toString(), server.uri("p2")).ok();

        byte[] after = imageBytes(0, Files.size(disk));
        long start = placed[2][0];
        assertArrayEquals(payload, Arrays.copyOfRange(after, (int) start, (int) start + MIB),
                "the partition's first MiB is the image's bytes from the partition's start");
        assertArrayEquals(Arrays.copyOfRange(before, 0, (int) start), Arrays.copyOfRange(after, 0, (int) start),
                "the table and partition 1 are untouched");
        assertArrayEquals(Arrays.copyOfRange(before, (int) start + MIB, before.length),
                Arrays.copyOfRange(after, (int) start + MIB, after.length), "the rest of partition 2 is untouched");
        assertNotEquals(before[(int) start], after[(int) start]);
    }

    @Test
    void aPartitionTheTableDoesNotHaveIsRefusedAtTheHandshake() {
        Peer.Result r = Peer.run("nbdinfo", "--size", server.uri("p3"));

        assertNotEquals(0, r.exit(), r.stdout());
        assertTrue(r.stderr().contains("'p3'"), "NBD_OPT_GO refused (ERR_UNKNOWN, libnbd's words): " + r.stderr());
        assertEquals(String.valueOf(placed[1][1]), Peer.run("nbdinfo", "--size", server.uri("p1")).ok().stdout()
                .strip(), "the other exports of the disk go on");
    }
}
