package org.enbd.launcher;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code enbd cow show|drop} against a running server whose cow export (a file overlay over a base image) nbdcopy
 * wrote to: the blocks and bytes it holds, a drop refused while it holds changes, a forced drop after which the
 * export reads as the base image again, and the clear failure of an export without the cow feature.
 */
class CowDistributionTest {
    private static final Duration UP = Duration.ofSeconds(90);
    private static final int MIB = 1 << 20;

    @TempDir
    static Path work;
    static EnbdProcess server;
    static String uri;

    @BeforeAll
    static void serve() throws Exception {
        assumeTrue(Files.exists(EnbdProcess.dist().resolve("bundles/enbd-feature-cow-0.1.0-SNAPSHOT.jar")),
                "the distribution has no cow bundle");
        Path base = work.resolve("base.img");
        byte[] pattern = new byte[4 * MIB];
        Arrays.fill(pattern, (byte) 0x5A);
        Files.write(base, pattern);
        int port = EnbdProcess.freePort();
        server = EnbdProcess.start(work, "server", "--listen", "127.0.0.1:" + port, "--console", "off",
                "--ephemeral", "--export", "root=file:" + base + ",features=cow,cow.file=" + work.resolve("root.cow"),
                "--export", "plain=memory:1M");
        Optional<String> line = server.awaitLine(l -> l.startsWith("enbd: listening on"), UP);
        assertTrue(line.isPresent(), server.output());
        uri = "nbd://127.0.0.1:" + port;
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.terminate();
            assertEquals(Optional.of(0), server.awaitExit(Duration.ofSeconds(60)), server.output());
            server.close();
        }
    }

    private static EnbdProcess finished(String... args) throws Exception {
        EnbdProcess enbd = EnbdProcess.start(work, args);
        assertTrue(enbd.awaitExit(UP).isPresent(), "enbd " + String.join(" ", args) + " did not finish\n"
                + enbd.output());
        return enbd;
    }

    private static boolean onPath(String tool) {
        return Arrays.stream(System.getenv().getOrDefault("PATH", "/usr/bin").split(":"))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, tool)));
    }

    private static void nbdcopy(String from, String to) throws Exception {
        Process p = new ProcessBuilder("nbdcopy", from, to).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "nbdcopy " + from + " " + to);
        assertEquals(0, p.exitValue(), new String(p.getInputStream().readAllBytes()));
    }

    @Test
    void showCountsWhatNbdcopyWroteDropRefusesThenForgetsIt() throws Exception {
        assumeTrue(onPath("nbdcopy"), "nbdcopy is not installed");
        byte[] data = new byte[MIB];
        new Random(16).nextBytes(data);
        Path source = Files.write(work.resolve("source.img"), data);
        nbdcopy(source.toString(), uri + "/root"); // 16 blocks of 64 KiB into the overlay
        byte[] base = Files.readAllBytes(work.resolve("base.img"));

        try (EnbdProcess show = finished("cow", "show", uri + "/root")) {
            assertEquals(Optional.of(0), show.awaitExit(UP), show.output());
            List<String> lines = show.out().lines().toList();
            assertTrue(lines.contains("export       \"root\""), show.output());
            assertTrue(lines.contains("scope        export"), show.output());
            assertTrue(lines.contains("store        file:" + work.resolve("root.cow")), show.output());
            assertTrue(lines.contains("block size   65536"), show.output());
            assertTrue(lines.contains("data blocks  16"), show.output());
            assertTrue(lines.contains("bytes        1048576"), show.output());
        }
        try (EnbdProcess refused = finished("cow", "drop", uri + "/root")) {
            assertEquals(Optional.of(1), refused.awaitExit(UP), refused.output());
            assertTrue(refused.err().contains("not dropped: the overlay of export \"root\" holds 16 data blocks "
                    + "(1048576 bytes)"), refused.output());
            assertTrue(refused.err().contains("add --force"), refused.output());
        }
        try (EnbdProcess json = finished("cow", "show", "--json", uri + "/root")) {
            assertEquals(Optional.of(0), json.awaitExit(UP), json.output());
            assertTrue(json.out().strip().matches("\\{\"export\":\"root\",\"scope\":\"export\",\"store\":\"file:.*"
                    + "\",\"blockSize\":65536,\"dataBlocks\":16,\"zeroBlocks\":\\d+,\"bytes\":1048576}"), json.output());
        }
        Path changed = work.resolve("changed.img");
        nbdcopy(uri + "/root", changed.toString());
        assertArrayEquals(data, Arrays.copyOf(Files.readAllBytes(changed), MIB), "the overlay's changes, read back");

        try (EnbdProcess drop = finished("cow", "drop", "--force", uri + "/root")) {
            assertEquals(Optional.of(0), drop.awaitExit(UP), drop.output());
            assertTrue(drop.out().startsWith("dropped 16 data blocks (1048576 bytes)"), drop.output());
            assertTrue(drop.out().lines().toList().contains("data blocks  0"), drop.output());
        }
        Path after = work.resolve("after.img");
        nbdcopy(uri + "/root", after.toString());
        assertArrayEquals(base, Files.readAllBytes(after), "after the drop the export reads as its base image");
        assertArrayEquals(base, Files.readAllBytes(work.resolve("base.img")), "the base image never changed");
    }

    @Test
    void aServerThatIsNotEnbdJIsAFailureSayingSo() throws Exception {
        assumeTrue(onPath("nbdkit"), "nbdkit is not installed");
        int port = EnbdProcess.freePort();
        Process nbdkit = new ProcessBuilder("nbdkit", "-f", "-i", "127.0.0.1", "-p", String.valueOf(port), "memory",
                "1M").redirectErrorStream(true).start();
        try (EnbdProcess show = finished("cow", "show", "--start-timeout", "20", "nbd://127.0.0.1:" + port)) {
            assertEquals(Optional.of(1), show.awaitExit(UP), show.output());
            assertTrue(show.err().contains("nbd://127.0.0.1:" + port + " is not an ENBD-J server (it does not speak "
                    + "ENBD-J's extension channel), so it cannot answer COW_SHOW"), show.output());
        } finally {
            nbdkit.destroy();
            assertTrue(nbdkit.waitFor(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void anExportWithoutTheCowFeatureIsAFailureNamingIt() throws Exception {
        try (EnbdProcess show = finished("cow", "show", uri + "/plain")) {
            assertEquals(Optional.of(1), show.awaitExit(UP), show.output());
            assertTrue(show.err().contains("has no cow feature (ENOTSUP): serve it with features=cow"),
                    show.output());
        }
    }
}
