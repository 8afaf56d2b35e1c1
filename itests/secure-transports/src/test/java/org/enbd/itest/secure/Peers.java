package org.enbd.itest.secure;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Real peers (sshd, qemu-img, nbdinfo, nbdkit) as processes with a time limit each, in one temporary directory;
 * whatever is left, with its children, is killed in {@link #close()}. A test that needs a missing tool is skipped
 * with the tool's name.
 */
final class Peers implements AutoCloseable {
    private final List<Process> processes = new ArrayList<>();
    final Path dir;

    Peers() throws IOException {
        dir = Files.createTempDirectory(Path.of("/tmp"), "enbd-secure-itest-");
    }

    static void require(String tool) {
        assumeTrue(onPath(tool), tool + " is not installed: skipping (./test installs it)");
    }

    static boolean onPath(String tool) {
        if (tool.startsWith("/")) {
            return Files.isExecutable(Path.of(tool));
        }
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    /** Starts a long-running peer; its output goes to {@code logName}.log in {@link #dir}. */
    Process start(String logName, String... command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(logName + ".log").toFile())).start();
        synchronized (processes) {
            processes.add(p);
        }
        return p;
    }

    /** Runs a command to completion within {@code timeout}; returns its exit code (output in the log). */
    int run(Duration timeout, String logName, String... command) throws IOException, InterruptedException {
        Process p = start(logName, command);
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            throw new AssertionError(String.join(" ", command) + " did not finish within " + timeout + ": "
                    + log(logName));
        }
        return p.exitValue();
    }

    /** Runs a setup command that must succeed. */
    void must(String logName, String... command) throws IOException, InterruptedException {
        int rc = run(Duration.ofSeconds(60), logName, command);
        if (rc != 0) {
            throw new AssertionError(String.join(" ", command) + " exited " + rc + ": " + log(logName));
        }
    }

    String log(String logName) {
        try {
            return Files.readString(dir.resolve(logName + ".log"));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    /** Kills {@code p} and every process it started (collected first: once it is gone they are re-parented). */
    static void killTree(Process p) throws InterruptedException {
        List<ProcessHandle> children = p.descendants().toList();
        p.destroyForcibly();
        children.forEach(ProcessHandle::destroyForcibly);
        p.waitFor(10, TimeUnit.SECONDS);
        for (ProcessHandle child : children) {
            child.onExit().orTimeout(10, TimeUnit.SECONDS).exceptionally(e -> null).join();
        }
    }

    static void awaitPort(int port, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                Thread.sleep(20);
            }
        }
        throw new AssertionError("nothing listens on port " + port + " after " + timeout);
    }

    /** A file of {@code size} pseudo-random bytes (seeded, so a failure can be reproduced). */
    Path source(String name, long size, long seed) throws IOException {
        Path file = dir.resolve(name);
        Random random = new Random(seed);
        byte[] block = new byte[1 << 20];
        try (var out = Files.newOutputStream(file)) {
            for (long done = 0; done < size; done += block.length) {
                random.nextBytes(block);
                out.write(block, 0, (int) Math.min(block.length, size - done));
            }
        }
        return file;
    }

    @Override
    public void close() throws Exception {
        List<Process> all;
        synchronized (processes) {
            all = List.copyOf(processes);
        }
        for (Process p : all) {
            killTree(p);
        }
        try (var walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        }
    }
}
