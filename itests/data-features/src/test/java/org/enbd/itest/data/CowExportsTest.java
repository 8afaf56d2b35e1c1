package org.enbd.itest.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import org.enbd.api.layer.Feature;
import org.enbd.feature.cow.CowControl;
import org.enbd.feature.cow.internal.CowFeature;
import org.enbd.server.StackEntry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A disk image served through the cow feature and written by real clients: the clients read what they wrote
 * (nbdcopy, qemu-img compare), the image itself is unchanged (sha256), and an overlay kept in a file is there
 * again after the server restarts.
 */
class CowExportsTest {
    private static final int MIB = 1 << 20;
    @TempDir
    static Path dir;
    static Path image;
    static byte[] original;
    static String sha256;
    static CowFeature cow;

    @BeforeAll
    static void start() throws Exception {
        original = new byte[24 * MIB];
        new Random(3).nextBytes(original);
        image = Files.write(dir.resolve("base.img"), original);
        sha256 = sha256(image);
        cow = new CowFeature(2, 0);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        cow.deactivate();
    }

    private static StackEntry cowEntry() {
        return StackEntry.of(cow, Map.of(Feature.NAME, "cow", Feature.CONTROL_TYPES,
                new int[] {CowControl.SHOW, CowControl.DROP}));
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    /** {@code length} bytes of 0x5a-based data, different from the image. */
    private static Path patch(String name, int length) throws Exception {
        byte[] bytes = new byte[length];
        new Random(name.hashCode()).nextBytes(bytes);
        return Files.write(dir.resolve(name), bytes);
    }

    /** What the export should read: the image with {@code patch} over its start. */
    private static Path expected(String name, Path patch) throws Exception {
        byte[] bytes = original.clone();
        byte[] over = Files.readAllBytes(patch);
        System.arraycopy(over, 0, bytes, 0, over.length);
        return Files.write(dir.resolve(name), bytes);
    }

    @Test
    void writesThroughTheOverlayAreReadBackAndTheImageIsUnchanged() throws Exception {
        Path patch = patch("patch.raw", 4 * MIB);
        Path expected = expected("expected.raw", patch);
        Path back = dir.resolve("back.raw");
        try (DataServer server = new DataServer().export("cow", "file:" + image, Map.of(), cowEntry()).start()) {
            Peer.run("nbdcopy", patch.toString(), server.uri("cow")).ok();
            Peer.run("nbdcopy", "--connections=2", server.uri("cow"), back.toString()).ok();
            Peer.run("qemu-img", "compare", "-f", "raw", "-F", "raw", expected.toString(), server.uri("cow")).ok();
        }

        assertArrayEquals(Files.readAllBytes(expected), Files.readAllBytes(back));
        assertEquals(sha256, sha256(image), "the image below the overlay is never written");
    }

    @Test
    void qemuImgWritesAreVisibleToOtherConnectionsOfTheExport() throws Exception {
        Path patch = patch("qemu.raw", MIB);
        try (DataServer server = new DataServer().export("cow", "file:" + image, Map.of(), cowEntry()).start()) {
            Peer.run("qemu-img", "convert", "-n", "-f", "raw", "-O", "raw", patch.toString(), server.uri("cow")).ok();
            Peer.Result differs = Peer.run("qemu-img", "compare", "-f", "raw", "-F", "raw", image.toString(),
                    server.uri("cow"));

            assertEquals(1, differs.exit(), "the export differs from the image now: " + differs.stdout());
            Peer.run("qemu-img", "compare", "-f", "raw", "-F", "raw", expected("qemu-expected.raw", patch).toString(),
                    server.uri("cow")).ok();
        }
        assertEquals(sha256, sha256(image));
    }

    @Test
    void aFileOverlaySurvivesAServerRestart() throws Exception {
        Path patch = patch("kept.raw", 3 * MIB + 4096);
        Path expected = expected("kept-expected.raw", patch);
        Map<String, String> parameters = Map.of("cow.file", dir.resolve("disk.cow").toString(),
                "cow.block-size", "4K");
        try (DataServer server = new DataServer().export("kept", "file:" + image, parameters, cowEntry()).start()) {
            Peer.run("nbdcopy", patch.toString(), server.uri("kept")).ok();
        }

        Path back = dir.resolve("kept-back.raw");
        try (DataServer again = new DataServer().export("kept", "file:" + image, parameters, cowEntry()).start()) {
            Peer.run("nbdcopy", again.uri("kept"), back.toString()).ok();
        }

        assertArrayEquals(Files.readAllBytes(expected), Files.readAllBytes(back));
        assertEquals(sha256, sha256(image));
        assertEquals(Arrays.hashCode(original), Arrays.hashCode(Files.readAllBytes(image)));
    }
}
