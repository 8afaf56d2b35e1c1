package org.enbd.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The conventions admins script daemons by: pid file, --print-uri, -r, and nbdkit's captive mode (--run). */
class DaemonDistributionTest {
    private static final Duration UP = Duration.ofSeconds(90);
    private static final Duration DOWN = Duration.ofSeconds(60);

    @TempDir
    Path work;

    @Test
    void pidFileUriAndReadOnlyForEveryExport() throws Exception {
        assumeTrue(onPath("nbdinfo"), "nbdinfo is not installed");
        int port = EnbdProcess.freePort();
        Path pidFile = work.resolve("enbd.pid");
        try (EnbdProcess enbd = EnbdProcess.start(work, "server", "--ephemeral", "--console", "off", "--listen",
                "127.0.0.1:" + port, "-r", "--pidfile", pidFile.toString(), "--print-uri",
                "--export", "first disk=memory:1M", "--export", "b=memory:1M")) {
            String uri = "nbd://127.0.0.1:" + port + "/first%20disk";
            Optional<String> printed = enbd.awaitLine(uri::equals, UP);
            assertTrue(printed.isPresent(), enbd.output());
            assertEquals(enbd.pid() + "\n", Files.readString(pidFile), "written once up, with the server's pid");
            assertEquals(2, nbdinfo("--can", "write", uri), "-r makes the first export read-only");
            assertEquals(2, nbdinfo("--can", "write", "nbd://127.0.0.1:" + port + "/b"), "and every other");
            enbd.terminate();
            assertEquals(Optional.of(0), enbd.awaitExit(DOWN), enbd.output());
            assertFalse(Files.exists(pidFile), "removed at exit");
        }
    }

    /** Before: the server came up, then ended with {@code enbd: java.nio.file.NoSuchFileException: ...pid.tmp}. */
    @Test
    void aPidFileThatCannotBeWrittenFailsBeforeStartingInOneLine() throws Exception {
        Path pidFile = work.resolve("no-such-dir").resolve("enbd.pid");
        try (EnbdProcess enbd = EnbdProcess.start(work, "server", "--ephemeral", "--console", "off", "--listen",
                "127.0.0.1:" + EnbdProcess.freePort(), "--pidfile", pidFile.toString())) {
            assertEquals(Optional.of(1), enbd.awaitExit(DOWN), enbd.output());
            assertEquals("enbd: --pidfile " + pidFile + ": cannot write it: no directory " + pidFile.getParent() + "\n",
                    enbd.err(), enbd.output());
            assertFalse(enbd.out().contains("listening"), enbd.output());
        }
    }

    @Test
    void captiveModeRunsTheCommandAgainstTheExportAndExitsWithItsStatus() throws Exception {
        assumeTrue(onPath("nbdcopy"), "nbdcopy is not installed");
        byte[] data = new byte[3 << 20];
        new java.util.Random(18).nextBytes(data);
        Files.write(work.resolve("in.bin"), data);
        // copied in and back out through $uri; 7 says the copies matched, and is what enbd must exit with
        try (EnbdProcess enbd = EnbdProcess.start(work, "server", "--export", "disk=memory:3M", "--run",
                "nbdcopy in.bin \"$uri\" && nbdcopy \"$uri\" out.bin && cmp in.bin out.bin && "
                        + "echo \"$uri\" > uri.txt && exit 7")) {
            Optional<Integer> exit = enbd.awaitExit(UP);
            assertEquals(Optional.of(7), exit, enbd.output());
            String uri = Files.readString(work.resolve("uri.txt")).trim();
            assertTrue(uri.matches("nbd\\+unix:///disk\\?socket=/.*/enbd-run-[^/]+/nbd\\.sock"), uri);
            Path socketDir = Path.of(uri.substring(uri.indexOf("socket=") + 7)).getParent();
            assertFalse(Files.exists(socketDir), "the private directory is gone at exit");
            assertFalse(enbd.out().contains("enbd: listening"), "stdout is the command's\n" + enbd.output());
        }
    }

    @Test
    void aFailingCommandsStatusIsTheServersAndTheConsoleStaysOff() throws Exception {
        try (EnbdProcess enbd = EnbdProcess.start(work, "server", "--run", "exit 3")) {
            assertEquals(Optional.of(3), enbd.awaitExit(UP), enbd.output());
            assertFalse(enbd.err().contains("Web Console at"), enbd.output());
        }
    }

    private static int nbdinfo(String... args) throws Exception {
        String[] command = Stream.concat(Stream.of("nbdinfo"), Stream.of(args)).toArray(String[]::new);
        Process nbdinfo = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertTrue(nbdinfo.waitFor(30, TimeUnit.SECONDS), "nbdinfo hung");
        return nbdinfo.exitValue();
    }

    private static boolean onPath(String tool) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, tool)));
    }
}
