package org.enbd.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mistakes that can never clear up end the run at once, all of them named in the same run, however long
 * {@code --start-timeout} is; and a memory export costs what is written, not its size.
 */
class FailFastDistributionTest {
    /** Far below the start timeout the runs are given: only failing fast ends them within it. */
    private static final Duration FAST = Duration.ofSeconds(25);
    private static final Duration UP = Duration.ofSeconds(90);

    @TempDir
    Path work;

    @Test
    void unknownBackendTypesFailAtOnceAndEachIsNamedWithTheKnownTypes() throws Exception {
        try (EnbdProcess enbd = EnbdProcess.start(work, "--start-timeout", "300", "server", "--ephemeral",
                "--console", "off", "--listen", "127.0.0.1:" + EnbdProcess.freePort(),
                "--export", "a=qcow2:a.img", "--export", "b=mem:1G", "--export", "c=memory:1G")) {
            Optional<Integer> exit = enbd.awaitExit(FAST);
            assertTrue(exit.isPresent(), "still waiting for a backend type no bundle offers\n" + enbd.output());
            assertEquals(1, exit.get(), enbd.output());
            List<String> said = enbd.err().lines().filter(l -> l.startsWith("enbd: ")).toList();
            assertTrue(said.stream().anyMatch(l -> l.startsWith("enbd: export \"a\"") && l.contains(
                    "unknown backend type 'qcow2' (known: device, file, memory")), enbd.output());
            assertTrue(said.stream().anyMatch(l -> l.startsWith("enbd: export \"b\"") && l.contains(
                    "unknown backend type 'mem' (known: ")), enbd.output());
            assertTrue(said.stream().noneMatch(l -> l.contains("\"c\"")), "the good export is not blamed\n"
                    + enbd.output());
        }
    }

    @Test
    void aBadSizeAMissingFileAndADirectoryAreAllReportedInOneRun() throws Exception {
        Path missing = work.resolve("absent.img");
        try (EnbdProcess enbd = EnbdProcess.start(work, "--start-timeout", "300", "server", "--ephemeral",
                "--console", "off", "--listen", "127.0.0.1:" + EnbdProcess.freePort(),
                "--export", "small=memory:lots", "--export", "gone=file:" + missing, "--export", "dir=file:" + work)) {
            Optional<Integer> exit = enbd.awaitExit(FAST);
            assertTrue(exit.isPresent(), enbd.output());
            assertEquals(1, exit.get(), enbd.output());
            String err = enbd.err();
            assertTrue(err.lines().anyMatch(l -> l.startsWith("enbd: export \"small\"") && l.contains("not a size")),
                    enbd.output());
            assertTrue(err.lines().anyMatch(l -> l.startsWith("enbd: export \"gone\"")
                    && l.contains(missing.toString()) && l.contains("no such file")), enbd.output());
            assertTrue(err.lines().anyMatch(l -> l.equals("enbd: export \"dir\" (file:" + work + ") FAILED: cannot open "
                    + work + ": is a directory (serve a regular file, an image or a block device)")), enbd.output());
        }
    }

    @Test
    void aClientToASchemeNoTransportServesFailsAtOnceNamingTheInstalledOnes() throws Exception {
        try (EnbdProcess enbd = EnbdProcess.start(work, "--start-timeout", "300", "client", "nbd+vsock://2:10809/x",
                "--ephemeral", "--serve", "127.0.0.1:" + EnbdProcess.freePort())) {
            Optional<Integer> exit = enbd.awaitExit(FAST);
            assertTrue(exit.isPresent(), "still retrying a scheme nothing serves\n" + enbd.output());
            assertEquals(1, exit.get(), enbd.output());
            assertTrue(enbd.err().lines().anyMatch(l -> l.startsWith("enbd: client nbd+vsock://2:10809/x")
                    && l.contains("FAILED: no installed transport serves nbd+vsock:// (installed: ")
                    && l.contains("nbd+unix")), enbd.output());
        }
    }

    /** 15 s: long enough for the client to have reported DOWN on a busy machine, which is what is checked. */
    @Test
    void aClientToADownServerGivesUpAtTheStartTimeoutAndSaysSo() throws Exception {
        String uri = "nbd://127.0.0.1:" + EnbdProcess.freePort() + "/x";
        try (EnbdProcess enbd = EnbdProcess.start(work, "--start-timeout", "15", "client", uri, "--ephemeral",
                "--serve", "127.0.0.1:" + EnbdProcess.freePort())) {
            assertEquals(Optional.of(1), enbd.awaitExit(UP), enbd.output());
            String last = enbd.err().lines().filter(l -> l.startsWith("enbd: ")).reduce((a, b) -> b).orElse("");
            assertTrue(last.startsWith("enbd: client " + uri) && last.contains(" is still DOWN after 15 s: ")
                    && last.endsWith("; giving up (a longer --start-timeout S waits longer)")
                    && !last.contains("retrying"), enbd.output());
        }
    }

    /** Root may write any file, so the run drops to nobody (setpriv) to meet EACCES as an admin's account does. */
    @Test
    void aFileThatMayOnlyBeReadSuggestsReadOnlyAndAnUnreadableOneDoesNot() throws Exception {
        List<String> wrapper = "root".equals(System.getProperty("user.name"))
                ? List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups") : List.of();
        assumeTrue(wrapper.isEmpty() || onPath("setpriv"), "running as root without setpriv");
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path readable = Files.createFile(work.resolve("readable.img"));
        Files.write(readable, new byte[4096]);
        Files.setPosixFilePermissions(readable, PosixFilePermissions.fromString("r--r--r--"));
        Path hidden = Files.createFile(work.resolve("hidden.img"));
        Files.setPosixFilePermissions(hidden, PosixFilePermissions.fromString("---------"));
        try (EnbdProcess enbd = EnbdProcess.startUnder(wrapper, work, "server", "--ephemeral", "--console", "off",
                "--listen", "127.0.0.1:" + EnbdProcess.freePort(), "--export", "r=file:" + readable,
                "--export", "h=file:" + hidden)) {
            Optional<Integer> exit = enbd.awaitExit(FAST);
            assertTrue(exit.isPresent(), enbd.output());
            assertEquals(1, exit.get(), enbd.output());
            List<String> said = enbd.err().lines().filter(l -> l.startsWith("enbd: export")).toList();
            assertTrue(said.contains("enbd: export \"r\" (file:" + readable + ") FAILED: cannot open " + readable
                    + ": permission denied for writing (add ,ro to serve it read-only)"), enbd.output());
            assertTrue(said.contains("enbd: export \"h\" (file:" + hidden + ") FAILED: cannot open " + hidden
                    + ": permission denied"), enbd.output());
        }
    }

    @Test
    void aPetabyteMemoryExportServesItsSizeAndTheConnectionIsLogged() throws Exception {
        assumeTrue(onPath("nbdinfo"), "nbdinfo is not installed");
        int port = EnbdProcess.freePort();
        try (EnbdProcess enbd = EnbdProcess.start(work, "server", "--ephemeral", "--console", "off",
                "--listen", "127.0.0.1:" + port, "--export", "big=memory:1P")) {
            Optional<String> line = enbd.awaitLine(l -> l.startsWith("enbd: listening"), UP);
            assertTrue(line.isPresent(), enbd.output());
            Process nbdinfo = new ProcessBuilder("nbdinfo", "--size", "nbd://127.0.0.1:" + port + "/big")
                    .redirectErrorStream(true).start();
            assertTrue(nbdinfo.waitFor(30, TimeUnit.SECONDS), "nbdinfo hung");
            String size = new String(nbdinfo.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            assertEquals(Long.toString(1L << 50), size, enbd.output());
            assertTrue(enbd.alive(), enbd.output());
            assertTrue(!enbd.err().contains("OutOfMemoryError"), enbd.output());
            // an admin sees who came and went, without -v
            assertTrue(enbd.err().contains(": connected to export 'big' (no TLS)"), enbd.output());
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!enbd.err().contains(": disconnected from export 'big' (no TLS) after ")
                    && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertTrue(enbd.err().lines().anyMatch(l -> l.contains(": disconnected from export 'big' (no TLS) after ")
                    && l.contains(" received, ") && l.endsWith(" sent")), enbd.output());
        }
    }

    private static boolean onPath(String tool) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, tool)));
    }
}
