package org.enbd.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The assembled distribution, run as users run it: {@code java -jar enbd.jar} as a process. Runs after
 * {@code package} (the POM binds it to the integration-test phase). The tests that need the server engine skip
 * until the enbd-server bundle contains its listener component.
 */
class EnbdJarDistributionTest {
    private static final Duration UP = Duration.ofSeconds(90);
    private static final Duration DOWN = Duration.ofSeconds(60);

    @TempDir
    Path work;

    @Test
    void helpExitsZero() throws Exception {
        try (EnbdProcess enbd = EnbdProcess.start(work, "--help")) {
            assertEquals(Optional.of(0), enbd.awaitExit(DOWN), enbd.output());
            assertTrue(enbd.out().contains("Usage: enbd"), enbd.output());
        }
    }

    @Test
    void listNamesTheTransportsAndBackendsOfTheDistribution() throws Exception {
        try (EnbdProcess enbd = EnbdProcess.start(work, "list")) {
            assertEquals(Optional.of(0), enbd.awaitExit(DOWN), enbd.output());
            List<String> lines = enbd.out().lines().toList();
            assertTrue(lines.containsAll(List.of("transports:", "backends:", "features:", "kernel devices:")),
                    enbd.output());
            assertTrue(lines.stream().anyMatch(l -> l.matches(
                    " +nbd, nbds, nbd\\+unix, nbds\\+unix +org\\.enbd\\.transport\\.tcp")),
                    enbd.output());
            assertTrue(lines.stream().anyMatch(l -> l.matches(" +memory +org\\.enbd\\.backends")), enbd.output());
        }
    }

    @Test
    void sigtermWhileStartingIsAStopNotAFailure() throws Exception {
        assumeServerComponents();
        try (EnbdProcess enbd = EnbdProcess.start(work, "-v", "server", "--listen",
                "127.0.0.1:" + EnbdProcess.freePort(), "--console", "off")) {
            // the first debug line comes while the framework boots, before any component is up
            long deadline = System.nanoTime() + UP.toNanos();
            while (enbd.err().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            enbd.terminate();
            assertEquals(Optional.of(0), enbd.awaitExit(DOWN), enbd.output());
            assertFalse(enbd.err().contains("enbd: "), "no failure reported\n" + enbd.output());
        }
    }

    @Test
    void aNonLoopbackConsoleWithoutPasswordIsAUsageError() throws Exception {
        try (EnbdProcess enbd = EnbdProcess.start(work, "server", "--console", "0.0.0.0:8080")) {
            assertEquals(Optional.of(2), enbd.awaitExit(DOWN), enbd.output());
            assertTrue(enbd.err().startsWith("enbd: --console 0.0.0.0:8080 is not a loopback address"),
                    enbd.output());
        }
    }

    @Test
    void everyBundleStartsAndTheConsoleWantsCredentials() throws Exception {
        int console = EnbdProcess.freePort();
        // a server when the server bundle has its components; until then a client of nbdkit keeps the framework up
        Process nbdkit = null;
        List<String> args;
        if (declares("enbd-server-", FactoryConfiguration.LISTENER)) {
            args = List.of("server", "--listen", "127.0.0.1:" + EnbdProcess.freePort());
        } else {
            assumeComponent("enbd-client-", FactoryConfiguration.CLIENT_ENDPOINT);
            assumeTrue(onPath("nbdkit"), "nbdkit is not installed");
            int remote = EnbdProcess.freePort();
            nbdkit = nbdkit(remote);
            args = List.of("client", "nbd://127.0.0.1:" + remote, "--serve", "127.0.0.1:" + EnbdProcess.freePort());
        }
        List<String> command = new java.util.ArrayList<>(args);
        command.addAll(List.of("--console", "127.0.0.1:" + console, "--start-timeout", "120"));
        try (EnbdProcess enbd = EnbdProcess.start(work, command.toArray(String[]::new))) {
            URI bundles = URI.create("http://127.0.0.1:" + console + "/system/console/bundles");
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            Optional<HttpResponse<String>> anonymous = awaitHttp(http, HttpRequest.newBuilder(bundles).build(), enbd);
            assertTrue(anonymous.isPresent(), "the console never answered\n" + enbd.output());
            assertEquals(401, anonymous.get().statusCode());
            String basic = "Basic " + Base64.getEncoder().encodeToString("admin:admin".getBytes(StandardCharsets.UTF_8));
            HttpResponse<String> page = http.send(HttpRequest.newBuilder(bundles).header("Authorization", basic)
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, page.statusCode());
            // bundles.json says "all N bundles active" once every bundle (fragments aside) is ACTIVE
            String json = awaitAllActive(http, URI.create(bundles + ".json"), basic);
            assertTrue(json.contains("bundles active"), json);
            for (String name : List.of("org.apache.felix.scr", "org.apache.felix.configadmin", "org.enbd.api",
                    "org.enbd.runtime", "org.enbd.server", "io.netty.transport-native-epoll.linux-x86_64")) {
                assertTrue(json.contains("\"" + name + "\""), name + " missing in " + json);
            }
            HttpResponse<String> components = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + console + "/system/console/components.json")).header("Authorization", basic).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, components.statusCode());
            assertTrue(components.body().contains("org.enbd.runtime.internal.MemoryStatusBoard"), components.body());
            enbd.terminate();
            assertEquals(Optional.of(0), enbd.awaitExit(DOWN), enbd.output());
        } finally {
            if (nbdkit != null) {
                nbdkit.destroy();
                nbdkit.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void serverListensServesOneGibibyteAndStopsCleanlyOnSigterm() throws Exception {
        assumeServerComponents();
        assumeTrue(onPath("nbdinfo"), "nbdinfo (libnbd-bin) is not installed");
        int port = EnbdProcess.freePort();
        try (EnbdProcess enbd = EnbdProcess.start(work, "server", "--listen", "127.0.0.1:" + port,
                "--console", "off")) {
            Optional<String> line = enbd.awaitLine(l -> l.startsWith("enbd: listening on"), UP);
            assertTrue(line.isPresent(), enbd.output());
            assertEquals("enbd: listening on 127.0.0.1:" + port + ", exports: \"\" (memory:1G)", line.get());
            assertEquals("1073741824", nbdinfoSize("nbd://127.0.0.1:" + port, enbd));
            enbd.terminate();
            assertEquals(Optional.of(0), enbd.awaitExit(DOWN), enbd.output());
        }
    }

    @Test
    void aPortInUseFailsWithAClearMessage() throws Exception {
        assumeServerComponents();
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new java.net.InetSocketAddress("127.0.0.1", 0));
            int port = taken.getLocalPort();
            try (EnbdProcess enbd = EnbdProcess.start(work, "server", "--listen", "127.0.0.1:" + port,
                    "--console", "off")) {
                Optional<Integer> exit = enbd.awaitExit(UP);
                assertTrue(exit.isPresent(), "still running with its port taken\n" + enbd.output());
                assertNotEquals(0, exit.get(), enbd.output());
                String message = enbd.err().lines().filter(l -> l.startsWith("enbd: ")).findFirst().orElse("");
                assertTrue(message.startsWith("enbd: listener 127.0.0.1:" + port + " FAILED: "), enbd.output());
                assertTrue(message.toLowerCase().contains("in use"), enbd.output());
            }
        }
    }

    @Test
    void aMissingExportFileFailsWithAClearMessage() throws Exception {
        assumeServerComponents();
        Path missing = work.resolve("no-such-disk.img");
        try (EnbdProcess enbd = EnbdProcess.start(work, "server", "--listen", "127.0.0.1:" + EnbdProcess.freePort(),
                "--console", "off", "--export", "disk=file:" + missing)) {
            Optional<Integer> exit = enbd.awaitExit(UP);
            assertTrue(exit.isPresent(), "still running without its file\n" + enbd.output());
            assertNotEquals(0, exit.get(), enbd.output());
            String message = enbd.err().lines().filter(l -> l.startsWith("enbd: ")).findFirst().orElse("");
            assertTrue(message.startsWith("enbd: export \"disk\" (file:" + missing + ") FAILED: "), enbd.output());
            assertTrue(message.contains(missing.toString()) || message.toLowerCase().contains("no such file"),
                    enbd.output());
        }
    }

    @Test
    void clientServesANbdkitExportLocallyAndStopsCleanly() throws Exception {
        assumeComponent("enbd-client-", FactoryConfiguration.CLIENT_ENDPOINT);
        assumeTrue(onPath("nbdkit") && onPath("nbdinfo"), "nbdkit or nbdinfo is not installed");
        int remote = EnbdProcess.freePort();
        Process nbdkit = nbdkit(remote);
        int local = EnbdProcess.freePort();
        try (EnbdProcess enbd = EnbdProcess.start(work, "client", "nbd://127.0.0.1:" + remote, "--serve",
                "127.0.0.1:" + local, "--connections", "2")) {
            Optional<String> line = enbd.awaitLine(l -> l.startsWith("enbd: "), UP);
            assertTrue(line.isPresent() && line.get().contains("127.0.0.1:" + local), enbd.output());
            assertEquals("67108864", nbdinfoSize("nbd://127.0.0.1:" + local, enbd));
            enbd.terminate();
            assertEquals(Optional.of(0), enbd.awaitExit(DOWN), enbd.output());
            // SLF4J inside the framework found its provider, and no bundle missed a JDK class
            assertTrue(!enbd.err().contains("SLF4J(") && !enbd.err().contains("NoClassDefFoundError"),
                    enbd.output());
        } finally {
            nbdkit.destroy();
            nbdkit.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** nbdkit serving a 64 MiB memory disk on 127.0.0.1:{@code port}, listening once this returns. */
    private Process nbdkit(int port) throws Exception {
        Process nbdkit = new ProcessBuilder("nbdkit", "--foreground", "--exit-with-parent", "-i", "127.0.0.1",
                "-p", Integer.toString(port), "memory", "64M").redirectErrorStream(true)
                .redirectOutput(work.resolve("nbdkit-" + port + ".log").toFile()).start();
        for (int i = 0; i < 100; i++) {
            try (java.net.Socket probe = new java.net.Socket("127.0.0.1", port)) {
                return nbdkit;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        nbdkit.destroy();
        throw new AssertionError("nbdkit did not listen on " + port);
    }

    private static String nbdinfoSize(String uri, EnbdProcess enbd) throws Exception {
        Process nbdinfo = new ProcessBuilder("nbdinfo", "--size", uri).redirectErrorStream(true).start();
        assertTrue(nbdinfo.waitFor(30, TimeUnit.SECONDS), "nbdinfo hung");
        String size = new String(nbdinfo.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertEquals(0, nbdinfo.exitValue(), size + "\n" + enbd.output());
        return size;
    }

    /** The engine tests need the server bundle's DS components (framework/server), which land separately. */
    private static void assumeServerComponents() throws IOException {
        assumeComponent("enbd-server-", FactoryConfiguration.LISTENER);
    }

    /** Skips unless the bundle {@code jarPrefix*.jar} in the distribution declares a component for {@code pid}. */
    private static void assumeComponent(String jarPrefix, String pid) throws IOException {
        assumeTrue(declares(jarPrefix, pid), jarPrefix + "*.jar has no " + pid + " component yet");
    }

    private static boolean declares(String jarPrefix, String pid) throws IOException {
        Path bundles = EnbdProcess.dist().resolve("bundles");
        Optional<Path> bundle;
        try (Stream<Path> jars = Files.list(bundles)) {
            bundle = jars.filter(p -> p.getFileName().toString().startsWith(jarPrefix)).findFirst();
        }
        if (bundle.isEmpty()) {
            return false;
        }
        try (JarFile jar = new JarFile(bundle.get().toFile())) {
            return jar.stream().anyMatch(e -> e.getName().startsWith("OSGI-INF/") && e.getName().endsWith(".xml")
                    && readEntry(jar, e).contains("\"" + pid + "\""));
        }
    }

    private static String readEntry(JarFile jar, java.util.zip.ZipEntry entry) {
        try {
            return new String(jar.getInputStream(entry).readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static boolean onPath(String tool) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, tool)));
    }

    private static Optional<HttpResponse<String>> awaitHttp(HttpClient http, HttpRequest request, EnbdProcess enbd)
            throws InterruptedException {
        long deadline = System.nanoTime() + UP.toNanos();
        while (System.nanoTime() < deadline && enbd.alive()) {
            try {
                HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() != 404) {
                    return Optional.of(response);
                }
                // jetty answers before the console's servlet is there (whiteboard registration, and the console
                // waits for the launcher's login provider, ConsoleGuard)
                Thread.sleep(250);
            } catch (IOException notYet) {
                Thread.sleep(250);
            }
        }
        return Optional.empty();
    }

    private static String awaitAllActive(HttpClient http, URI uri, String basic) throws Exception {
        long deadline = System.nanoTime() + UP.toNanos();
        String body = "";
        while (System.nanoTime() < deadline) {
            body = http.send(HttpRequest.newBuilder(uri).header("Authorization", basic).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            if (body.contains("- all ") && body.contains("bundles active")) {
                return body;
            }
            Thread.sleep(250);
        }
        return body;
    }
}
