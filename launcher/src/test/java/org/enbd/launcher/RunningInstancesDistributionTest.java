package org.enbd.launcher;

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
 * Issue 18, item 7: {@code enbd list} and {@code enbd stats EXPORT} read the servers running on this machine (the
 * Attach API and their JMX MBeans) instead of starting an empty framework that sees nothing.
 */
class RunningInstancesDistributionTest {
    private static final Duration UP = Duration.ofSeconds(90);
    private static final Duration DOWN = Duration.ofSeconds(60);

    @TempDir
    static Path work;
    static EnbdProcess server;
    static int port;
    /** Unique among whatever else runs on the machine (other test runs' servers are listed too). */
    static String export;

    private static boolean onPath(String tool) {
        return Arrays.stream(System.getenv().getOrDefault("PATH", "/usr/bin").split(":"))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, tool)));
    }

    @BeforeAll
    static void serve() throws Exception {
        port = EnbdProcess.freePort();
        export = "counted-" + port;
        server = EnbdProcess.start(work, "server", "--ephemeral", "--console", "off", "--listen", "127.0.0.1:"
                + port, "--export", export + "=memory:16M,features=stats", "--export", "plain-" + port + "=memory:1M");
        assertTrue(server.awaitLine(l -> l.startsWith("enbd: listening on"), UP).isPresent(), server.output());
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.terminate();
            assertEquals(Optional.of(0), server.awaitExit(DOWN), server.output());
            server.close();
        }
    }

    private static EnbdProcess finished(String... args) throws Exception {
        EnbdProcess enbd = EnbdProcess.start(work, args);
        assertTrue(enbd.awaitExit(UP).isPresent(), "enbd " + args[0] + " did not finish\n" + enbd.output());
        return enbd;
    }

    /** Before: list started an empty framework and showed only the plug-ins, never a running server. */
    @Test
    void listShowsTheRunningServerWithEachComponentsStateAndDetail() throws Exception {
        try (EnbdProcess list = finished("list", "--running")) {
            assertEquals(Optional.of(0), list.awaitExit(DOWN), list.output());
            List<String> lines = list.out().lines().toList();
            assertEquals("running instances:", lines.getFirst(), list.output());
            int at = lines.indexOf("  pid " + server.pid() + ": enbd server --ephemeral --console off --listen "
                    + "127.0.0.1:" + port + " --export " + export + "=memory:16M,features=stats --export plain-" + port
                    + "=memory:1M");
            assertTrue(at > 0, list.output());
            List<String> mine = lines.subList(at, Math.min(lines.size(), at + 6));
            assertTrue(mine.get(1).matches(" {4}ID +KIND +STATE +DETAIL"), list.output());
            assertTrue(mine.stream().anyMatch(l -> l.matches(" {4}org\\.enbd\\.server\\.listener~tcp-127\\.0\\.0\\.1-"
                    + port + " +listener +UP +listening on 127\\.0\\.0\\.1:" + port)), list.output());
            assertTrue(mine.stream().anyMatch(l -> l.matches(" {4}org\\.enbd\\.server\\.export~" + export
                    + " +export +UP +export '" + export + "' on memory:16M with stats")), list.output());
            assertTrue(mine.contains("    counters (enbd stats EXPORT --pid " + server.pid() + "): \"" + export
                    + "\""), list.output());
        }
    }

    @Test
    void theFullListStartsWithTheInstancesThenThePlugins() throws Exception {
        try (EnbdProcess list = finished("list")) {
            assertEquals(Optional.of(0), list.awaitExit(DOWN), list.output());
            List<String> lines = list.out().lines().toList();
            assertEquals("running instances:", lines.getFirst(), list.output());
            assertTrue(lines.indexOf("  pid " + server.pid() + ": enbd server --ephemeral --console off --listen "
                    + "127.0.0.1:" + port + " --export " + export + "=memory:16M,features=stats --export plain-" + port
                    + "=memory:1M") < lines.indexOf("transports:"), list.output());
            assertTrue(lines.containsAll(List.of("transports:", "backends:", "features:", "kernel devices:")),
                    list.output());
        }
    }

    /** With none running it says so, and {@code --running} exits 1 (as pgrep does). */
    @Test
    void withNoneRunningListSaysSo() throws Exception {
        // other engineers' and test runs' servers run as this user: a user that runs none sees none
        assumeTrue(onPath("setpriv") && "0".equals(new ProcessBuilder("id", "-u").start().inputReader().readLine()),
                "needs root and setpriv to list as a user that runs nothing");
        try (EnbdProcess list = EnbdProcess.startUnder(List.of("setpriv", "--reuid=65534", "--regid=65534",
                "--clear-groups", "--"), work, "list", "--running")) {
            assertEquals(Optional.of(1), list.awaitExit(DOWN), list.output());
            assertEquals("running instances: none (no enbd process of this user on this machine)\n", list.out(),
                    list.output());
        }
    }

    /** Before: {@code enbd stats disk} was a usage error (a URI was needed, asked over the network). */
    @Test
    void statsOfAnExportNameReadsTheLocalServer() throws Exception {
        assumeTrue(onPath("nbdcopy"), "nbdcopy is not installed");
        byte[] data = new byte[2 << 20];
        new Random(5).nextBytes(data);
        Path source = Files.write(work.resolve("source.img"), data);
        Process copy = new ProcessBuilder("nbdcopy", source.toString(), "nbd://127.0.0.1:" + port + "/" + export)
                .redirectErrorStream(true).start();
        assertTrue(copy.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, copy.exitValue(), new String(copy.getInputStream().readAllBytes()));
        Thread.sleep(1500); // the status board's counters are refreshed every second
        try (EnbdProcess table = finished("stats", export);
             EnbdProcess json = finished("stats", export, "--pid", Long.toString(server.pid()), "--json")) {
            assertEquals(Optional.of(0), table.awaitExit(DOWN), table.output());
            List<String> lines = table.out().lines().toList();
            assertTrue(lines.getFirst().matches("export \"" + export + "\": 0 connections open, \\d+ opened \\(pid "
                    + server.pid() + "\\)"), table.output());
            assertTrue(lines.stream().anyMatch(l -> l.matches(" +write +\\d+ +" + data.length + " +0 +0 +\\d+ +\\d+")),
                    table.output());
            assertEquals(Optional.of(0), json.awaitExit(DOWN), json.output());
            assertTrue(json.out().startsWith("{\"pid\":" + server.pid() + ",\"export\":\"" + export + "\",\"state\":"
                    + "\"UP\","), json.output());
            assertTrue(json.out().contains("\"write\":{\"requests\":"), json.output());
            assertTrue(json.out().contains(",\"bytes\":" + data.length + ",\"errors\":{\"wire\":0,\"medium\":0}"),
                    json.output());
        }
    }

    @Test
    void statsOfAnExportWithoutTheFeatureNamesTheCountedOnes() throws Exception {
        try (EnbdProcess stats = finished("stats", "plain-" + port, "--pid", Long.toString(server.pid()))) {
            assertEquals(Optional.of(1), stats.awaitExit(DOWN), stats.output());
            assertEquals("enbd: export \"plain-" + port + "\" is counted by no running instance (counted: \"" + export
                    + "\" (pid " + server.pid() + "); stack the stats feature: --export NAME=SPEC,features=stats)",
                    stats.err().strip(), stats.output());
        }
    }
}
