package org.enbd.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code enbd server --data DIR} as users run it: the command line's exports and listeners are written to
 * {@code DIR/etc}, a restart with the same directory and no options serves them again, an edit of a file in
 * {@code etc/} reaches the running export, and the command line says when it overrides a kept configuration.
 */
class DataDirectoryDistributionTest {
    private static final Duration UP = Duration.ofSeconds(90);
    private static final Duration DOWN = Duration.ofSeconds(60);

    @TempDir
    Path work;

    @Test
    void aRestartWithTheDataDirectoryServesTheSameExportsAndListeners() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/nbdinfo")), "nbdinfo (libnbd-bin) is not installed");
        Path data = work.resolve("data");
        int port = EnbdProcess.freePort();
        try (EnbdProcess first = EnbdProcess.start(work, "server", "--data", data.toString(), "--console", "off",
                "--listen", "127.0.0.1:" + port, "--export", "kept=memory:3M")) {
            assertTrue(first.awaitLine(l -> l.startsWith("enbd: listening"), UP).isPresent(), first.output());
            assertEquals("3145728", nbdinfo("--size", "nbd://127.0.0.1:" + port + "/kept"));
            first.terminate();
            assertEquals(Optional.of(0), first.awaitExit(DOWN), first.output());
        }
        assertTrue(Files.isRegularFile(data.resolve("etc/org.enbd.server.export-kept.cfg")));

        try (EnbdProcess again = EnbdProcess.start(work, "server", "--data", data.toString(), "--console", "off")) {
            String line = again.awaitLine(l -> l.startsWith("enbd: listening"), UP).orElseThrow(
                    () -> new AssertionError(again.output()));
            assertTrue(line.contains("127.0.0.1:" + port) && line.contains("\"kept\" (memory:3M)"), line);
            assertEquals("3145728", nbdinfo("--size", "nbd://127.0.0.1:" + port + "/kept"));

            // an edit in etc/ takes effect in the running server (FileInstall polls every second)
            Path file = data.resolve("etc/org.enbd.server.export-kept.cfg");
            Files.writeString(file, Files.readString(file) + "description = edited in etc\n");
            String description = "";
            for (long deadline = System.nanoTime() + UP.toNanos(); System.nanoTime() < deadline
                    && !description.contains("edited in etc"); Thread.sleep(200)) {
                description = nbdinfo("nbd://127.0.0.1:" + port + "/kept");
            }
            assertTrue(description.contains("description: edited in etc"), description + again.output());
            again.terminate();
            assertEquals(Optional.of(0), again.awaitExit(DOWN), again.output());
        }

        try (EnbdProcess overriding = EnbdProcess.start(work, "server", "--data", data.toString(), "--console",
                "off", "--export", "kept=memory:4M")) {
            assertTrue(overriding.awaitLine(l -> l.startsWith("enbd: listening"), UP).isPresent(),
                    overriding.output());
            assertTrue(overriding.err().contains("org.enbd.server.export-kept.cfg: the command line overrides "
                    + "backend: memory:3M -> memory:4M"), overriding.output());
            assertEquals("4194304", nbdinfo("--size", "nbd://127.0.0.1:" + port + "/kept"));
        }
    }

    @Test
    void aDataDirectoryInUseIsRefusedWithTheWayOut() throws Exception {
        Path data = work.resolve("busy");
        try (EnbdProcess first = EnbdProcess.start(work, "server", "--data", data.toString(), "--console", "off",
                "--listen", "127.0.0.1:" + EnbdProcess.freePort());
             EnbdProcess second = startWhenUp(first, data)) {
            assertEquals(Optional.of(1), second.awaitExit(DOWN), second.output());
            assertTrue(second.err().contains("is in use by another enbd (choose another with --data DIR, or "
                    + "--ephemeral)"), second.output());
        }
    }

    private EnbdProcess startWhenUp(EnbdProcess first, Path data) throws Exception {
        assertTrue(first.awaitLine(l -> l.startsWith("enbd: listening"), UP).isPresent(), first.output());
        return EnbdProcess.start(work, "server", "--data", data.toString(), "--console", "off", "--listen",
                "127.0.0.1:" + EnbdProcess.freePort());
    }

    private static String nbdinfo(String... args) throws Exception {
        String[] command = new String[args.length + 1];
        command[0] = "nbdinfo";
        System.arraycopy(args, 0, command, 1, args.length);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "nbdinfo hung");
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    }
}
