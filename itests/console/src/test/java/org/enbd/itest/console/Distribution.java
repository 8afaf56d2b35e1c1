package org.enbd.itest.console;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The assembled distribution ({@code launcher/target/dist/enbd.jar}) running {@code enbd server} as a process with
 * one memory export that stacks stats, one listener and the console, all on loopback ports of its own; and the
 * other processes a test starts (Prometheus, chromium, nbdcopy), each stopped and waited for at close. A test
 * whose tool is missing is skipped, naming it.
 */
final class Distribution implements AutoCloseable {
    static final long MIB = 1024 * 1024;

    final int nbdPort = freePort();
    /** A second listener of the same server (a client moves from one to the other). */
    final int secondPort = freePort();
    final int consolePort = freePort();
    final Path work;
    /** The {@code enbd server} process. */
    final Process server;
    private final List<Process> processes = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    Distribution(Path work) throws IOException, InterruptedException {
        this(work, false);
    }

    /**
     * @param secondListener whether the server listens on {@link #secondPort} too
     * @param options        more options for {@code enbd server} ({@code --tls on ...})
     */
    Distribution(Path work, boolean secondListener, String... options) throws IOException, InterruptedException {
        this.work = work;
        Path jar = Path.of(System.getProperty("enbd.dist", "../../launcher/target/dist")).resolve("enbd.jar");
        assumeTrue(Files.isRegularFile(jar), "no distribution at " + jar + " (build the launcher first)");
        Path out = work.resolve("enbd.out");
        List<String> command = new ArrayList<>(List.of(java(), "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow", "-jar", jar.toString(), "server", "--ephemeral",
                "--listen", "127.0.0.1:" + nbdPort));
        if (secondListener) {
            command.addAll(List.of("--listen", "127.0.0.1:" + secondPort));
        }
        command.addAll(List.of("--export", "disk=memory:64M,features=stats", "--console", "127.0.0.1:" + consolePort));
        command.addAll(List.of(options));
        server = start(work.resolve("enbd.err"), out, command.toArray(String[]::new));
        Instant deadline = Instant.now().plusSeconds(60);
        while (!Files.readString(out).contains("listening on")) {
            if (!server.isAlive() || Instant.now().isAfter(deadline)) {
                fail("enbd server did not come up: " + Files.readString(out) + Files.readString(
                        work.resolve("enbd.err")));
            }
            Thread.sleep(100);
        }
    }

    /** A running {@code enbd client URI --serve unix:SOCKET} of this distribution, with its own console. */
    record Client(Process process, Path socket, Path data, int consolePort, String id, Path out, Path err) {
        /** What the client printed so far (its log lines). */
        String output() throws IOException {
            return Files.readString(out) + Files.readString(err);
        }

        /** The client's own {@code nbd+unix} URI for nbdcopy. */
        String uri() {
            return "nbd+unix:///?socket=" + socket;
        }
    }

    /**
     * Starts {@code enbd client nbd://127.0.0.1:PORT/disk --serve unix:SOCKET --connections 2} with a data
     * directory (its configuration in {@code etc/}) and a console; returns once its endpoint is UP.
     */
    Client client(String name) throws Exception {
        Path data = work.resolve(name + "-data");
        Path socket = work.resolve(name + ".sock");
        int console = freePort();
        Process p = start(work.resolve(name + ".err"), work.resolve(name + ".out"), java(), "--enable-native-access"
                + "=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-jar", jar().toString(), "client",
                "nbd://127.0.0.1:" + nbdPort + "/disk", "--serve", "unix:" + socket, "--connections", "2",
                "--data", data.toString(), "--console", "127.0.0.1:" + console);
        String json = await("the client's endpoint UP", 60, () -> {
            if (!p.isAlive()) {
                throw new AssertionError("enbd client exited: " + Files.readString(work.resolve(name + ".out"))
                        + Files.readString(work.resolve(name + ".err")));
            }
            return get(console, "/system/console/enbd/status.json", true).body();
        }, j -> j.matches("(?s).*\\{\"id\":\"org\\.enbd\\.client\\.endpoint~[^\"/]*\",\"state\":\"UP\".*"));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                "\\{\"id\":\"(org\\.enbd\\.client\\.endpoint~[^\"/]*)\"").matcher(json);
        assertTrue(m.find(), json);
        return new Client(p, socket, data, console, m.group(1), work.resolve(name + ".out"),
                work.resolve(name + ".err"));
    }

    /** The JSON object of status {@code id} in a console's status.json (the page's model), or "". */
    static String row(String json, String id) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\{\"id\":\"" + java.util.regex.Pattern
                .quote(id) + "\"[^{}]*\\}").matcher(json);
        return m.find() ? m.group() : "";
    }

    /** A number of a status row ({@code "reconnects":3}), or -1. */
    static long figure(String row, String name) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"" + name + "\":(\\d+)").matcher(row);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    /** Writes {@code mib} MiB of random data to a file in the work directory. */
    Path image(int mib) throws IOException {
        Path image = work.resolve("image-" + mib + ".img");
        byte[] block = new byte[(int) MIB];
        java.util.Random random = new java.util.Random(mib);
        try (var o = Files.newOutputStream(image)) {
            for (int i = 0; i < mib; i++) {
                random.nextBytes(block);
                o.write(block);
            }
        }
        return image;
    }

    /** {@code enbd certs init DIR}: a CA and a server certificate for 127.0.0.1, before a server starts. */
    static void certificates(Path dir) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(java(), "-jar", jar().toString(), "certs", "init", dir.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0, "enbd certs init " + dir);
    }

    private static Path jar() {
        return Path.of(System.getProperty("enbd.dist", "../../launcher/target/dist")).resolve("enbd.jar");
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    static void requireTool(String tool) {
        assumeTrue(Stream.onPath(tool), tool + " is not installed (./test installs it)");
    }

    /** Starts a process whose output goes to files in the work directory; it is stopped at close. */
    Process start(Path err, Path out, String... command) throws IOException {
        Process p = new ProcessBuilder(command).directory(work.toFile()).redirectError(err.toFile())
                .redirectOutput(out.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File(
                        "/dev/null"))).start();
        processes.add(p);
        return p;
    }

    /** Runs a command to its end (bounded) and fails with its output unless it exits 0. */
    void run(String... command) throws IOException, InterruptedException {
        Path log = Files.createTempFile(work, "run", ".log");
        Process p = new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            fail(String.join(" ", command) + " did not finish in 120 s: " + Files.readString(log));
        }
        if (p.exitValue() != 0) {
            fail(String.join(" ", command) + " exited " + p.exitValue() + ": " + Files.readString(log));
        }
    }

    /** Writes {@code mib} MiB of random data into the export with nbdcopy, and returns the bytes written. */
    long copyIn(int mib) throws IOException, InterruptedException {
        Path image = work.resolve("image-" + mib + ".img");
        byte[] block = new byte[(int) MIB];
        java.util.Random random = new java.util.Random(mib);
        try (var o = Files.newOutputStream(image)) {
            for (int i = 0; i < mib; i++) {
                random.nextBytes(block);
                o.write(block);
            }
        }
        run("nbdcopy", image.toString(), "nbd://127.0.0.1:" + nbdPort + "/disk");
        return mib * MIB;
    }

    /** GETs a URL of the console's HTTP server, with the console's default login when asked. */
    HttpResponse<String> get(String path, boolean login) throws IOException, InterruptedException {
        return get(consolePort, path, login);
    }

    /** GETs a URL of the console on {@code port}, with the console's default login when asked. */
    HttpResponse<String> get(int port, String path, boolean login) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10));
        if (login) {
            b.header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString("admin:admin".getBytes()));
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** POSTs a form to the console's HTTP server with the console's default login, as its pages' scripts do. */
    HttpResponse<String> post(String path, String form) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + consolePort + path))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString("admin:admin"
                        .getBytes()))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Asks {@code read} until {@code done} accepts its answer, for at most {@code seconds}; returns the answer. */
    static <T> T await(String what, int seconds, Check<T> read, Predicate<T> done) throws Exception {
        Instant deadline = Instant.now().plusSeconds(seconds);
        T last = null;
        while (Instant.now().isBefore(deadline)) {
            try {
                last = read.get();
                if (done.test(last)) {
                    return last;
                }
            } catch (IOException e) { // not listening yet
                last = null;
            }
            Thread.sleep(250);
        }
        throw new AssertionError(what + " within " + seconds + " s; last: " + last);
    }

    interface Check<T> {
        T get() throws Exception;
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        for (Process p : processes.reversed()) {
            p.destroy(); // SIGTERM: enbd drains and exits 0, prometheus shuts its storage down
        }
        for (Process p : processes.reversed()) {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
            }
        }
    }

    private static final class Stream {
        static boolean onPath(String tool) {
            for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
                if (Files.isExecutable(Path.of(dir, tool))) {
                    return true;
                }
            }
            return false;
        }
    }
}
