package org.enbd.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Web Console's account as users run it: a password given once with a data directory is kept hashed in
 * {@code DIR/console.passwd} (0600, never the password) and checked by the console (401 for a wrong one and for
 * the default admin/admin, 200 for the right one), a restart without a password option keeps it, a new password
 * replaces it; a configuration deleted in the console's Configuration page leaves {@code etc/} too; with
 * {@code --console-tls} the console speaks HTTPS only, with the certificate {@code enbd certs init} made.
 */
class ConsoleAccountDistributionTest {
    private static final Duration UP = Duration.ofSeconds(90);
    private static final Duration DOWN = Duration.ofSeconds(60);
    private static final String PASSWORD = "c0nsole-Pass";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path work;

    @Test
    void aPasswordGivenOnceIsKeptHashedCheckedAndReplaced() throws Exception {
        Path data = work.resolve("data");
        Path secret = work.resolve("console-password");
        Files.writeString(secret, PASSWORD + "\n");
        int console = EnbdProcess.freePort();
        String at = "127.0.0.1:" + console;
        int nbd = EnbdProcess.freePort();
        try (EnbdProcess first = EnbdProcess.start(work, "server", "--data", data.toString(), "--console", at,
                "--console-password-file", secret.toString(), "--listen", "127.0.0.1:" + nbd)) {
            awaitConsole(first, console);
            assertEquals(401, status(console, "admin", "wrong"), first.output());
            assertEquals(401, status(console, "admin", "admin"), first.output());
            assertEquals(401, status(console, "ops", PASSWORD), first.output());
            assertEquals(200, status(console, "admin", PASSWORD), first.output());
            assertEquals(401, status(console, "admin", "wrong"), "a right password once does not open it");

            Path kept = data.resolve("console.passwd");
            assertTrue(Files.readString(kept).matches("admin:pbkdf2-sha256:210000:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+\n"),
                    Files.readString(kept));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(kept)));
            assertTrue(first.err().contains("console.passwd: console account 'admin' stored"), first.output());
            first.terminate();
            assertEquals(Optional.of(0), first.awaitExit(DOWN), first.output());
            assertNowhere(data, first);
        }

        try (EnbdProcess again = EnbdProcess.start(work, "server", "--data", data.toString(), "--console", at)) {
            awaitConsole(again, console);
            assertEquals(200, status(console, "admin", PASSWORD), again.output());
            assertEquals(401, status(console, "admin", "admin"), again.output());
            assertFalse(again.err().contains("console account"), again.output());
            again.terminate();
            assertEquals(Optional.of(0), again.awaitExit(DOWN), again.output());
        }

        try (EnbdProcess replacing = EnbdProcess.startWith(Map.of("ENBD_CONSOLE_PASSWORD", "n3w-Pass"), List.of(),
                work, "server", "--data", data.toString(), "--console", at)) {
            awaitConsole(replacing, console);
            assertEquals(200, status(console, "admin", "n3w-Pass"), replacing.output());
            assertEquals(401, status(console, "admin", PASSWORD), replacing.output());
            assertTrue(replacing.err().contains("console.passwd: console account 'admin' replaced"),
                    replacing.output());
            assertFalse(Files.readString(data.resolve("console.passwd")).contains("n3w-Pass"));
            assertFalse(replacing.output().contains("n3w-Pass"), replacing.output());
            replacing.terminate();
            assertEquals(Optional.of(0), replacing.awaitExit(DOWN), replacing.output());
        }
    }

    @Test
    void aConfigurationDeletedInTheConsoleLeavesEtc() throws Exception {
        Path data = work.resolve("data");
        int console = EnbdProcess.freePort();
        try (EnbdProcess server = EnbdProcess.start(work, "server", "--data", data.toString(), "--console",
                "127.0.0.1:" + console, "--listen", "127.0.0.1:" + EnbdProcess.freePort(), "--export",
                "gone=memory:1M", "--export", "stays=memory:1M")) {
            awaitConsole(server, console);
            Path gone = data.resolve("etc/org.enbd.server.export-gone.cfg");
            Path stays = data.resolve("etc/org.enbd.server.export-stays.cfg");
            assertTrue(Files.isRegularFile(gone) && Files.isRegularFile(stays));
            // the Configuration page's Delete button
            HttpResponse<String> deleted = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + console
                            + "/system/console/configMgr/org.enbd.server.export~gone"))
                    .header("Authorization", basic("admin", "admin"))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("apply=true&delete=true")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, deleted.statusCode(), deleted.body());
            String removed = "org.enbd.server.export-gone.cfg: removed, its configuration was deleted";
            for (long deadline = System.nanoTime() + UP.toNanos(); !server.err().contains(removed)
                    && System.nanoTime() < deadline; Thread.sleep(100)) {
                // ConsoleWriteBack runs on ConfigAdmin's event thread
            }
            assertTrue(server.err().contains(removed), server.output());
            assertFalse(Files.exists(gone), server.output());
            assertTrue(Files.isRegularFile(stays));
            server.terminate();
            assertEquals(Optional.of(0), server.awaitExit(DOWN), server.output());
        }
        try (EnbdProcess again = EnbdProcess.start(work, "server", "--data", data.toString(), "--console", "off")) {
            String line = again.awaitLine(l -> l.startsWith("enbd: listening"), UP).orElseThrow(
                    () -> new AssertionError(again.output()));
            assertTrue(line.contains("\"stays\"") && !line.contains("\"gone\""), line);
        }
    }

    @Test
    void theConsoleSpeaksHttpsWithTheCertificatesOfEnbdCerts() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/curl")), "curl is not installed");
        Path certs = work.resolve("certs");
        try (EnbdProcess init = EnbdProcess.start(work, "certs", "init", certs.toString())) {
            assertEquals(Optional.of(0), init.awaitExit(DOWN), init.output());
        }
        int console = EnbdProcess.freePort();
        try (EnbdProcess server = EnbdProcess.startWith(Map.of("ENBD_CONSOLE_PASSWORD", PASSWORD), List.of(), work,
                "server", "--ephemeral", "--console", "127.0.0.1:" + console, "--console-tls", certs.toString(),
                "--listen", "127.0.0.1:" + EnbdProcess.freePort())) {
            assertTrue(server.awaitLine(l -> l.startsWith("enbd: listening"), UP).isPresent(), server.output());
            String ca = certs.resolve("ca-cert.pem").toString();
            String url = "https://localhost:" + console + "/system/console/bundles";
            String status = "";
            for (long deadline = System.nanoTime() + UP.toNanos(); !status.equals("401")
                    && System.nanoTime() < deadline; Thread.sleep(200)) {
                status = curl("--cacert", ca, url);
            }
            assertEquals("401", status, server.output());
            assertEquals("200", curl("--cacert", ca, "-u", "admin:" + PASSWORD, url), server.output());
            assertEquals("401", curl("--cacert", ca, "-u", "admin:admin", url), server.output());
            assertEquals("000", curl("-u", "admin:" + PASSWORD, url), "a CA curl does not know: no answer");
            assertEquals("000", curl("-u", "admin:" + PASSWORD, url.replace("https:", "http:")),
                    "no plain HTTP on the console's port");
            assertTrue(server.err().contains("Web Console at https://127.0.0.1:" + console + "/system/console"),
                    server.output());
            assertFalse(server.output().contains(PASSWORD), server.output());
            server.terminate();
            assertEquals(Optional.of(0), server.awaitExit(DOWN), server.output());
        }
    }

    /** curl's HTTP status ({@code 000} when there was no HTTP answer). */
    private static String curl(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("curl", "-s", "-o", "/dev/null", "-w",
                "%{http_code}", "--max-time", "10"));
        command.addAll(List.of(args));
        Process curl = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        curl.waitFor();
        return out;
    }

    /** The password is in no file of the data directory and in no line the launcher wrote. */
    private static void assertNowhere(Path data, EnbdProcess process) throws Exception {
        assertFalse(process.output().contains(PASSWORD), process.output());
        try (Stream<Path> files = Files.walk(data)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                assertFalse(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1).contains(PASSWORD),
                        file.toString());
            }
        }
    }

    /** Waits until the console answers (401 or 200: its servlet and login are there). */
    private static void awaitConsole(EnbdProcess process, int port) throws Exception {
        assertTrue(process.awaitLine(l -> l.startsWith("enbd: listening"), UP).isPresent(), process.output());
        int status = 0;
        for (long deadline = System.nanoTime() + UP.toNanos(); status != 401 && System.nanoTime() < deadline;
                Thread.sleep(200)) {
            try {
                status = status(port, null, null);
            } catch (java.io.IOException e) {
                status = 0;
            }
        }
        assertEquals(401, status, process.output());
    }

    private static int status(int port, String user, String password) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/system/console/bundles"));
        if (user != null) {
            request.header("Authorization", basic(user, password));
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }
}
