package org.enbd.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
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
 * {@code enbd server --export ...,features=stats+fault,...} and {@code enbd stats} as users run them: the counters
 * of what real clients did, asked from another process, and the clear failures of asking the wrong server.
 */
class StatsDistributionTest {
    private static final Duration UP = Duration.ofSeconds(90);
    private static final Duration DOWN = Duration.ofSeconds(60);

    @TempDir
    static Path work;
    static EnbdProcess server;
    static String uri;
    static Path failFile;

    private static boolean onPath(String tool) {
        return Arrays.stream(System.getenv().getOrDefault("PATH", "/usr/bin").split(":"))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, tool)));
    }

    @BeforeAll
    static void serve() throws Exception {
        assumeTrue(Files.exists(EnbdProcess.dist().resolve("bundles/enbd-feature-stats-0.1.0-SNAPSHOT.jar")),
                "the distribution has no stats bundle");
        int port = EnbdProcess.freePort();
        failFile = work.resolve("fail-writes");
        server = EnbdProcess.start(work, "server", "--listen", "127.0.0.1:" + port, "--console", "off",
                "--export", "disk=memory:64M,features=stats+fault,fault.error-write=ENOSPC,fault.error-write-file="
                        + failFile, "--export", "plain=memory:1M");
        Optional<String> line = server.awaitLine(l -> l.startsWith("enbd: listening on"), UP);
        assertTrue(line.isPresent(), server.output());
        assertEquals("enbd: listening on 127.0.0.1:" + port + ", exports: \"disk\" (memory:64M, features "
                + "stats+fault), \"plain\" (memory:1M)", line.get());
        uri = "nbd://127.0.0.1:" + port;
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.terminate();
            assertEquals(Optional.of(0), server.awaitExit(DOWN), server.output());
            server.close();
        }
    }

    /** Runs an enbd command that ends by itself (stats, list, a server that fails). */
    private static EnbdProcess finished(String... args) throws Exception {
        EnbdProcess enbd = EnbdProcess.start(work, args);
        assertTrue(enbd.awaitExit(UP).isPresent(), "enbd " + args[0] + " did not finish\n" + enbd.output());
        return enbd;
    }

    private static void run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), command.toString());
        String output = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.exitValue(), command + ": " + output);
    }

    @Test
    void statsPrintsWhatNbdcopyWroteAndWhatQemuIoWasRefused() throws Exception {
        assumeTrue(onPath("nbdcopy") && onPath("qemu-io"), "nbdcopy or qemu-io is not installed");
        byte[] data = new byte[8 << 20];
        new Random(11).nextBytes(data);
        Path source = Files.write(work.resolve("source.img"), data);
        run(List.of("nbdcopy", source.toString(), uri + "/disk"));
        Files.createFile(failFile);
        Process qemuIo = new ProcessBuilder("qemu-io", "-f", "raw", "-c", "write -P 1 0 4k", uri + "/disk")
                .redirectErrorStream(true).start();
        assertTrue(qemuIo.waitFor(60, TimeUnit.SECONDS));
        String refused = new String(qemuIo.getInputStream().readAllBytes());
        Files.delete(failFile);

        try (EnbdProcess table = finished("stats", uri + "/disk"); EnbdProcess json = finished("stats", "--json",
                uri + "/disk")) {
            assertEquals(Optional.of(0), table.awaitExit(DOWN), table.output());
            List<String> lines = table.out().lines().toList();
            assertTrue(lines.getFirst().startsWith("export \"disk\": 0 connections open, "), table.output());
            String write = lines.stream().filter(l -> l.startsWith("  write ")).findFirst().orElseThrow();
            assertTrue(write.matches(" +write +\\d+ +8388608 +0 +1 +\\d+ +\\d+"), write);
            assertEquals(Optional.of(0), json.awaitExit(DOWN), json.output());
            assertTrue(json.out().startsWith("{\"export\":\"disk\","), json.output());
            assertTrue(json.out().matches("(?s).*\"write\":\\{\"requests\":\\d+,\"bytes\":8388608,\"errors\":"
                    + "\\{\"wire\":0,\"medium\":1}.*"), json.output());
        }
        assertTrue(refused.contains("No space left on device"), refused);
    }

    @Test
    void listNamesBothFeaturesWithTheirBundles() throws Exception {
        try (EnbdProcess list = finished("list")) {
            assertEquals(Optional.of(0), list.awaitExit(DOWN), list.output());
            List<String> lines = list.out().lines().toList();
            assertTrue(lines.stream().anyMatch(l -> l.matches(" +fault +org\\.enbd\\.feature\\.fault")), list.output());
            assertTrue(lines.stream().anyMatch(l -> l.matches(" +stats +org\\.enbd\\.feature\\.stats")), list.output());
        }
    }

    @Test
    void aMisspeltFaultParameterFailsTheServerNamingIt() throws Exception {
        try (EnbdProcess enbd = finished("server", "--listen", "127.0.0.1:" + EnbdProcess.freePort(), "--console", "off",
                "--export", "t=memory:1M,features=fault,fault.eror=EIO")) {
            assertEquals(Optional.of(1), enbd.awaitExit(DOWN), enbd.output());
            assertTrue(enbd.err().contains("unknown parameter fault.eror (known: fault.delay[-COMMAND], "),
                    enbd.output());
        }
    }

    @Test
    void anExportWithoutTheStatsFeatureSaysSoAndExitsOne() throws Exception {
        try (EnbdProcess enbd = finished("stats", uri + "/plain")) {
            assertEquals(Optional.of(1), enbd.awaitExit(DOWN), enbd.output());
            assertEquals("enbd: stats of " + uri + "/plain FAILED: export \"plain\" has no stats feature (ENOTSUP)",
                    enbd.err().lines().filter(l -> l.startsWith("enbd: ")).findFirst().orElse(enbd.output()));
        }
    }

    @Test
    void aServerThatIsNoEnbdJServerSaysSoAndExitsOne() throws Exception {
        assumeTrue(onPath("nbdkit"), "nbdkit is not installed");
        int port = EnbdProcess.freePort();
        Process nbdkit = new ProcessBuilder("nbdkit", "--foreground", "--exit-with-parent", "-p",
                String.valueOf(port), "memory", "1M").redirectErrorStream(true).start();
        try {
            String nbdkitUri = "nbd://127.0.0.1:" + port + "/";
            EnbdProcess enbd = null;
            for (int attempt = 0; attempt < 50; attempt++) { // until nbdkit listens
                enbd = finished("stats", nbdkitUri);
                if (!enbd.err().contains("Connection refused")) {
                    break;
                }
                enbd.close();
                Thread.sleep(100);
            }
            assertEquals(Optional.of(1), enbd.awaitExit(DOWN), enbd.output());
            assertTrue(enbd.err().contains(nbdkitUri + " is not an ENBD-J server"), enbd.output());
            enbd.close();
        } finally {
            nbdkit.destroy();
            nbdkit.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
