package org.enbd.launcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The real {@code enbd.jar} of the assembled distribution, run as a process with the JVM flags ./enbd uses.
 * Output goes to files (a full pipe must never block the server); {@link #close} kills what is left.
 */
final class EnbdProcess implements AutoCloseable {
    private final Process process;
    private final Path out;
    private final Path err;

    private EnbdProcess(Process process, Path out, Path err) {
        this.process = process;
        this.out = out;
        this.err = err;
    }

    /** The distribution directory: set by the POM, or the module's target/dist. */
    static Path dist() {
        return Path.of(System.getProperty("enbd.dist", "target/dist")).toAbsolutePath();
    }

    static EnbdProcess start(Path workDir, String... args) throws IOException {
        return startUnder(List.of(), workDir, args);
    }

    /** As {@link #start}, the JVM run by {@code wrapper} (e.g. setpriv to drop root), which gets the command. */
    static EnbdProcess startUnder(List<String> wrapper, Path workDir, String... args) throws IOException {
        return startWith(java.util.Map.of(), wrapper, workDir, args);
    }

    /** As {@link #startUnder}, with {@code environment} added to the process's environment. */
    static EnbdProcess startWith(java.util.Map<String, String> environment, List<String> wrapper, Path workDir,
                                 String... args) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(wrapper);
        command.addAll(List.of(java, "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow", "-jar", dist().resolve("enbd.jar").toString()));
        command.addAll(List.of(args));
        Path out = Files.createTempFile(workDir, "enbd-", ".out");
        Path err = Files.createTempFile(workDir, "enbd-", ".err");
        ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        // each process its own default data directory (~/.local/state/enbd/...): runs never share a store
        builder.environment().put("XDG_STATE_HOME", Files.createTempDirectory(workDir, "state-").toString());
        builder.environment().putAll(environment);
        Process process = builder.start();
        return new EnbdProcess(process, out, err);
    }

    /** A TCP port free at the time of asking (the kernel's choice). */
    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** Waits for a line of stdout that {@code wanted} accepts; empty if the process ended or time ran out. */
    Optional<String> awaitLine(Predicate<String> wanted, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<String> line = out().lines().filter(wanted).findFirst();
            if (line.isPresent()) {
                return line;
            }
            if (!process.isAlive()) {
                return out().lines().filter(wanted).findFirst();
            }
            Thread.sleep(100);
        }
        return Optional.empty();
    }

    /** Waits for the process to end by itself; its exit code, or empty when it still runs after the timeout. */
    Optional<Integer> awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? Optional.of(process.exitValue())
                : Optional.empty();
    }

    /** SIGTERM, as a service manager would send it. */
    void terminate() {
        process.destroy();
    }

    /** A signal by name (HUP, USR1...), through kill(1). */
    void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-s", name, Long.toString(process.pid())).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IOException("kill -s " + name + " " + process.pid() + " failed");
        }
    }

    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process.isAlive();
    }

    String out() {
        return read(out);
    }

    String err() {
        return read(err);
    }

    /** Both streams, for assertion messages. */
    String output() {
        return "--- stdout:\n" + out() + "--- stderr:\n" + err();
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
