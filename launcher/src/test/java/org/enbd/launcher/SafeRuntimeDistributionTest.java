package org.enbd.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18, item 5 (safe runtime), on the real distribution: a Gogo shell bundle installed while the server runs
 * does not stop it; {@code --shell} needs a terminal; in the shell Ctrl-C cancels the line and {@code logout} or
 * Ctrl-D leaves (and stops, as documented); the default console's port being taken leaves the console off with
 * one warning while NBD is served.
 */
class SafeRuntimeDistributionTest {
    private static final Duration UP = Duration.ofSeconds(90);
    private static final Duration DOWN = Duration.ofSeconds(60);

    @TempDir
    Path work;

    private static boolean onPath(String tool) {
        return Arrays.stream(System.getenv().getOrDefault("PATH", "/usr/bin").split(":"))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, tool)));
    }

    private static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Before: the shell bundle's login shell read EOF on stdin and stopped the framework, exit status 0. */
    @Test
    void aGogoShellBundleDeployedWhileServingDoesNotStopTheServer() throws Exception {
        Path shellJar;
        try (Stream<Path> bundles = Files.list(EnbdProcess.dist().resolve("bundles"))) {
            shellJar = bundles.filter(p -> p.getFileName().toString().startsWith("org.apache.felix.gogo.shell-"))
                    .findFirst().orElse(null);
        }
        assumeTrue(shellJar != null, "the distribution has no Gogo shell bundle");
        Path data = work.resolve("data");
        int port = EnbdProcess.freePort();
        try (EnbdProcess enbd = EnbdProcess.start(work, "server", "--data", data.toString(), "--console", "off",
                "--listen", "127.0.0.1:" + port)) {
            assertTrue(enbd.awaitLine(l -> l.startsWith("enbd: listening on"), UP).isPresent(), enbd.output());
            // what the Web Console's "Install/Update" does, through FileInstall's deploy/ (stdin is /dev/null)
            Files.copy(shellJar, data.resolve("deploy").resolve(shellJar.getFileName()));
            Thread.sleep(6000); // FileInstall polls every second; the old shell stopped everything at once
            assertTrue(enbd.alive(), "the server stopped when the shell bundle came\n" + enbd.output());
            assertFalse(enbd.output().contains("stopping shell and framework"), enbd.output());
            assertTrue(accepts(port), enbd.output());
            enbd.terminate();
            assertEquals(Optional.of(0), enbd.awaitExit(DOWN), enbd.output());
        }
    }

    /** Before: the server exited 0 with nothing on stderr, as if it had been told to stop by a signal. */
    @Test
    void aStopFromInsideTheFrameworkIsSaid() throws Exception {
        int console = EnbdProcess.freePort();
        try (EnbdProcess enbd = EnbdProcess.start(work, "server", "--ephemeral", "--console", "127.0.0.1:" + console,
                "--listen", "127.0.0.1:" + EnbdProcess.freePort())) {
            assertTrue(enbd.awaitLine(l -> l.startsWith("enbd: listening on"), UP).isPresent(), enbd.output());
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            String basic = "Basic " + java.util.Base64.getEncoder().encodeToString("admin:admin".getBytes(
                    StandardCharsets.UTF_8));
            java.net.http.HttpResponse<String> stop = http.send(java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create("http://127.0.0.1:" + console + "/system/console/bundles/0"))
                    .header("Authorization", basic).header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString("action=stop")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(200, stop.statusCode(), stop.body());
            assertEquals(Optional.of(0), enbd.awaitExit(DOWN), enbd.output());
            assertTrue(enbd.err().lines().anyMatch(l -> l.matches(".* WARN enbd - the framework was stopped from "
                    + "inside \\(its System Bundle: the Web Console's Stop, or a bundle calling stop\\); exiting")),
                    enbd.output());
        }
    }

    /** Before: the shell read EOF, stopped the framework and the launcher exited 0 as if all was well. */
    @Test
    void theShellWithoutATerminalIsAUsageError() throws Exception {
        long start = System.nanoTime();
        try (EnbdProcess enbd = EnbdProcess.start(work, "--shell", "server", "--ephemeral", "--console", "off",
                "--listen", "127.0.0.1:" + EnbdProcess.freePort())) {
            assertEquals(Optional.of(2), enbd.awaitExit(DOWN), enbd.output());
            assertTrue(enbd.err().startsWith("enbd: --shell needs a terminal on stdin (stdin is not a tty)"),
                    enbd.output());
            assertFalse(enbd.err().contains("listening"), enbd.output());
            assertTrue(Duration.ofNanos(System.nanoTime() - start).toSeconds() < 30, "it started the framework");
        }
    }

    /** Before: {@code enbd server} with 8080 taken refused to serve NBD at all (exit 1). */
    @Test
    void theDefaultConsoleOnATakenPortIsLeftOffWithOneWarning() throws Exception {
        int port = EnbdProcess.freePort();
        ServerSocket taken = new ServerSocket();
        try {
            taken.setReuseAddress(true);
            taken.bind(new InetSocketAddress("127.0.0.1", 8080));
        } catch (IOException alreadyTaken) {
            taken.close(); // someone else holds it: taken all the same
        }
        try (taken; EnbdProcess enbd = EnbdProcess.start(work, "server", "--ephemeral", "--listen",
                "127.0.0.1:" + port)) {
            Optional<String> line = enbd.awaitLine(l -> l.startsWith("enbd: listening on"), UP);
            taken.close(); // held no longer than needed: other runs may want the default console
            assertTrue(line.isPresent(), enbd.output());
            assertTrue(accepts(port), enbd.output());
            String warnings = enbd.err().lines().filter(l -> l.contains(" WARN ")).collect(Collectors.joining("\n"));
            assertTrue(warnings.matches(".*WARN enbd - Web Console off: 127\\.0\\.0\\.1:8080: .*in use.*"), warnings);
            enbd.terminate();
            assertEquals(Optional.of(0), enbd.awaitExit(DOWN), enbd.output());
        }
    }

    @Test
    void anExplicitConsoleOnATakenPortIsStillAnError() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
             EnbdProcess enbd = EnbdProcess.start(work, "server", "--ephemeral", "--listen",
                     "127.0.0.1:" + EnbdProcess.freePort(), "--console", "127.0.0.1:" + taken.getLocalPort())) {
            assertEquals(Optional.of(1), enbd.awaitExit(DOWN), enbd.output());
            assertTrue(enbd.err().startsWith("enbd: console 127.0.0.1:" + taken.getLocalPort() + ": "),
                    enbd.output());
        }
    }

    /** Before: Ctrl-C stopped the server, and {@code exit}/{@code logout} were unknown commands. */
    @Test
    void ctrlCInTheShellCancelsTheLineAndLogoutLeaves() throws Exception {
        try (Shell shell = Shell.start(work)) {
            shell.type("\u0003"); // what the terminal sends for Ctrl-C: SIGINT to the foreground processes
            Thread.sleep(1500);
            assertTrue(shell.alive(), "Ctrl-C stopped the server\n" + shell.output());
            assertTrue(accepts(shell.port), shell.output());
            shell.type("enbd:list\n");
            assertTrue(shell.awaitOutput("listener  UP"), shell.output());
            shell.type("logout\n");
            assertEquals(Optional.of(0), shell.awaitExit(), shell.output());
            assertTrue(shell.output().contains("stopping ENBD-J"), shell.output());
        }
    }

    @Test
    void ctrlDLeavesTheShellAndStopsEnbd() throws Exception {
        try (Shell shell = Shell.start(work)) {
            shell.type("\u0004");
            assertEquals(Optional.of(0), shell.awaitExit(), shell.output());
        }
    }

    /** {@code enbd --shell server} on a pseudo-terminal (script(1)), typed into as a user would. */
    private static final class Shell implements AutoCloseable {
        private final Process process;
        private final Path out;
        private final OutputStream in;
        final int port;

        private Shell(Process process, Path out, int port) {
            this.process = process;
            this.out = out;
            this.in = process.getOutputStream();
            this.port = port;
        }

        static Shell start(Path work) throws Exception {
            assumeTrue(onPath("script"), "script(1) (bsdutils) is not installed");
            int port = EnbdProcess.freePort();
            String java = ProcessHandle.current().info().command().orElse("java");
            // exec: without it sh (dash, when SHELL is unset as in CI) waits as a parent, takes the Ctrl-C too and
            // kills itself with SIGINT once ENBD-J has left, so script(1) reports 130
            String command = String.join(" ", "exec", java, "--enable-native-access=ALL-UNNAMED",
                    "--sun-misc-unsafe-memory-access=allow", "-jar", EnbdProcess.dist().resolve("enbd.jar").toString(),
                    "--shell", "server", "--ephemeral", "--console", "off", "--listen", "127.0.0.1:" + port);
            Path out = Files.createTempFile(work, "shell-", ".out");
            ProcessBuilder builder = new ProcessBuilder("script", "-qfec", command, "/dev/null")
                    .directory(work.toFile()).redirectErrorStream(true).redirectOutput(out.toFile());
            builder.environment().put("XDG_STATE_HOME", work.resolve("state").toString());
            builder.environment().put("TERM", "dumb");
            Shell shell = new Shell(builder.start(), out, port);
            if (!shell.awaitOutput("enbd: listening on 127.0.0.1:" + port)) {
                throw new AssertionError("the server did not come up in the shell\n" + shell.output());
            }
            return shell;
        }

        void type(String keys) throws IOException {
            in.write(keys.getBytes(StandardCharsets.UTF_8));
            in.flush();
        }

        boolean awaitOutput(String text) throws InterruptedException {
            long deadline = System.nanoTime() + UP.toNanos();
            while (System.nanoTime() < deadline) {
                if (output().contains(text)) {
                    return true;
                }
                if (!process.isAlive()) {
                    return output().contains(text);
                }
                Thread.sleep(100);
            }
            return false;
        }

        boolean alive() {
            return process.isAlive();
        }

        Optional<Integer> awaitExit() throws InterruptedException {
            return process.waitFor(DOWN.toSeconds(), TimeUnit.SECONDS) ? Optional.of(process.exitValue())
                    : Optional.empty();
        }

        String output() {
            try {
                return Files.readString(out);
            } catch (IOException e) {
                return e.toString();
            }
        }

        @Override
        public void close() throws InterruptedException {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
