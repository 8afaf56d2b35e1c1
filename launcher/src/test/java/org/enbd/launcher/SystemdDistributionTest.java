package org.enbd.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real enbd.jar as systemd runs it: Type=notify readiness (NOTIFY_SOCKET), socket activation (LISTEN_FDS,
 * through systemd-socket-activate), SIGHUP, and a console password that never shows in ps or the logs. No systemd
 * manager is needed: the test is the notify socket's listener itself.
 */
class SystemdDistributionTest {
    private static final Duration UP = Duration.ofSeconds(90);
    private static final Duration DOWN = Duration.ofSeconds(60);

    @TempDir
    Path work;

    @Test
    void readyIsNotifiedOnceThePortAcceptsAndStoppingOnSigterm() throws Throwable {
        int port = EnbdProcess.freePort();
        try (NotifySocket systemd = NotifySocket.bind(work.resolve("notify.sock"));
             EnbdProcess enbd = EnbdProcess.startWith(Map.of("NOTIFY_SOCKET", systemd.path().toString()), List.of(),
                     work, "server", "--ephemeral", "--console", "off", "--listen", "127.0.0.1:" + port,
                     "--export", "a=memory:1M", "--export", "b=memory:1M")) {
            List<String> messages = new ArrayList<>();
            String ready = null;
            long deadline = System.nanoTime() + UP.toNanos();
            while (ready == null && System.nanoTime() < deadline && enbd.alive()) {
                Optional<String> message = systemd.poll();
                if (message.isEmpty()) {
                    Thread.sleep(20);
                    continue;
                }
                messages.add(message.get());
                if (message.get().lines().anyMatch("READY=1"::equals)) {
                    ready = message.get();
                    assertTrue(accepts(port), "READY=1 came before the port accepted connections");
                }
            }
            assertTrue(ready != null, "no READY=1 in " + messages + "\n" + enbd.output());
            assertTrue(ready.lines().anyMatch(("STATUS=serving 2 exports on 127.0.0.1:" + port)::equals), ready);
            assertTrue(ready.lines().anyMatch(("MAINPID=" + enbd.pid())::equals), ready);
            enbd.terminate();
            assertEquals(Optional.of(0), enbd.awaitExit(DOWN), enbd.output());
            List<String> after = new ArrayList<>();
            for (Optional<String> m = systemd.poll(); m.isPresent(); m = systemd.poll()) {
                after.add(m.get());
            }
            assertEquals(List.of("STOPPING=1"), after, "one STOPPING=1 once asked to stop");
        }
    }

    @Test
    void socketActivationServesTheExportOnTheInheritedSocket() throws Exception {
        assumeTrue(onPath("systemd-socket-activate"), "systemd-socket-activate is not installed (package systemd)");
        assumeTrue(onPath("nbdinfo"), "nbdinfo is not installed");
        int port = EnbdProcess.freePort();
        // systemd-socket-activate binds, waits for the first connection, then execs the JVM with the socket as fd 3
        // (its environment holds only LISTEN_*, HOME, PATH and TERM)
        try (EnbdProcess enbd = EnbdProcess.startUnder(List.of("systemd-socket-activate", "-l", "127.0.0.1:" + port),
                work, "server", "--ephemeral", "--console", "off", "--export", "disk=memory:2M")) {
            long deadline = System.nanoTime() + UP.toNanos();
            while (!enbd.err().contains("Listening on 127.0.0.1:" + port) && System.nanoTime() < deadline) {
                assertTrue(enbd.alive(), enbd.output());
                Thread.sleep(50);
            }
            Process nbdinfo = new ProcessBuilder("nbdinfo", "--size", "nbd://127.0.0.1:" + port + "/disk")
                    .redirectErrorStream(true).start();
            assertTrue(nbdinfo.waitFor(UP.toSeconds(), TimeUnit.SECONDS), "nbdinfo hung\n" + enbd.output());
            String size = new String(nbdinfo.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            assertEquals("2097152", size, enbd.output());
            assertTrue(enbd.out().contains("enbd: listening on 127.0.0.1:" + port), enbd.output());
            assertTrue(enbd.err().contains("listening on inherited file descriptor 3"), enbd.output());
            enbd.terminate();
            assertEquals(Optional.of(0), enbd.awaitExit(DOWN), enbd.output());
        }
    }

    @Test
    void sighupIsLoggedAndTheServerKeepsServing() throws Exception {
        int port = EnbdProcess.freePort();
        try (EnbdProcess enbd = EnbdProcess.start(work, "server", "--ephemeral", "--console", "off", "--listen",
                "127.0.0.1:" + port)) {
            assertTrue(enbd.awaitLine(line -> line.startsWith("enbd: listening"), UP).isPresent(), enbd.output());
            enbd.signal("HUP");
            long deadline = System.nanoTime() + DOWN.toNanos();
            while (!enbd.err().contains("SIGHUP") && System.nanoTime() < deadline && enbd.alive()) {
                Thread.sleep(50);
            }
            assertTrue(enbd.err().contains("SIGHUP: nothing to reload"), enbd.output());
            assertTrue(enbd.alive(), "SIGHUP ended the server\n" + enbd.output());
            assertTrue(accepts(port), "still serving after SIGHUP");
            enbd.terminate();
            assertEquals(Optional.of(0), enbd.awaitExit(DOWN), enbd.output());
        }
    }

    @Test
    void theConsolePasswordFromTheEnvironmentNeverShowsInPsOrTheLogs() throws Exception {
        String secret = "env-s3cret-" + System.nanoTime();
        int console = EnbdProcess.freePort();
        try (EnbdProcess enbd = EnbdProcess.startWith(Map.of(ConsoleAccount.PASSWORD_VARIABLE, secret), List.of(),
                work, "-v", "server", "--ephemeral", "--listen", "127.0.0.1:" + EnbdProcess.freePort(),
                "--console", "127.0.0.1:" + console)) {
            assertTrue(enbd.awaitLine(line -> line.startsWith("enbd: listening"), UP).isPresent(), enbd.output());
            URI bundles = URI.create("http://127.0.0.1:" + console + "/system/console/bundles");
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            assertEquals(401, get(http, bundles, "admin:admin"), "the default password is replaced");
            assertEquals(200, get(http, bundles, "admin:" + secret));
            String cmdline = Files.readString(Path.of("/proc/" + enbd.pid() + "/cmdline"));
            assertFalse(cmdline.contains(secret), "in ps: " + cmdline);
            assertFalse(enbd.output().contains(secret), "in the logs:\n" + enbd.output());
            enbd.terminate();
            assertEquals(Optional.of(0), enbd.awaitExit(DOWN), enbd.output());
        }
    }

    @Test
    void theSampleUnitsAreInTheDistributionAndVerify() throws Exception {
        Path units = EnbdProcess.dist().resolve("systemd");
        for (String unit : List.of("enbd-server.service", "enbd-server.socket", "enbd-client@.service")) {
            assertTrue(Files.isRegularFile(units.resolve(unit)), unit + " is not in " + units);
        }
        assertTrue(Files.readString(units.resolve("enbd-server.service")).contains("Type=notify"));
        assumeTrue(onPath("systemd-analyze"), "systemd-analyze is not installed (package systemd)");
        // a template verifies as one of its instances
        Files.copy(units.resolve("enbd-client@.service"), work.resolve("enbd-client@nbd0.service"));
        Process verify = new ProcessBuilder("systemd-analyze", "verify", "--man=no",
                units.resolve("enbd-server.socket").toString(), units.resolve("enbd-server.service").toString(),
                work.resolve("enbd-client@nbd0.service").toString()).redirectErrorStream(true).start();
        String said = new String(verify.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(verify.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, verify.exitValue(), said);
        assertEquals("", said.strip(), "no warnings");
    }

    private static int get(HttpClient http, URI uri, String account) throws Exception {
        String basic = "Basic " + Base64.getEncoder().encodeToString(account.getBytes(StandardCharsets.UTF_8));
        long deadline = System.nanoTime() + UP.toNanos();
        while (true) {
            try {
                return http.send(HttpRequest.newBuilder(uri).header("Authorization", basic).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode();
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline) {
                    throw notYet;
                }
                Thread.sleep(250);
            }
        }
    }

    private static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean onPath(String tool) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, tool)));
    }
}
