package org.enbd.itest.client;

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
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Starts real peers (nbdkit, qemu-nbd, nbd-server, qemu-img, nbdcopy, python relays) as processes with a time
 * limit each, and kills whatever is left in {@link #close()}. A test that needs a missing tool is skipped with
 * the tool's name.
 */
final class Peers implements AutoCloseable {
    private final List<Process> processes = new ArrayList<>();
    private final List<ProcessHandle> daemons = new ArrayList<>();
    final Path dir;

    Peers() throws IOException {
        dir = Files.createTempDirectory(Path.of("/tmp"), "enbd-client-itest-");
    }

    static void require(String tool) {
        assumeTrue(onPath(tool), tool + " is not installed: skipping (CI installs it)");
    }

    static boolean onPath(String tool) {
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

    /** Starts a long-running peer; its output goes to a log file in {@link #dir}. */
    Process start(String logName, String... command) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(logName + ".log").toFile()));
        Process p = pb.start();
        synchronized (processes) {
            processes.add(p);
        }
        return p;
    }

    /** A process that daemonized itself (nbd-server): killed, with its children, in {@link #close()}. */
    void adopt(long pid) {
        ProcessHandle.of(pid).ifPresent(h -> {
            synchronized (processes) {
                daemons.add(h);
            }
        });
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

    String log(String logName) {
        try {
            return Files.readString(dir.resolve(logName + ".log"));
        } catch (IOException e) {
            return "(no log)";
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

    static void awaitFile(Path path, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            if (Files.exists(path)) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError(path + " did not appear after " + timeout);
    }

    static void kill9(Process p) throws InterruptedException {
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
    }

    static void signal(long pid, String signal) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
        p.waitFor(5, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws Exception {
        List<Process> all;
        synchronized (processes) {
            all = List.copyOf(processes);
            for (ProcessHandle h : daemons) {
                h.descendants().forEach(ProcessHandle::destroyForcibly);
                h.destroyForcibly();
            }
        }
        for (Process p : all) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        for (Process p : all) {
            p.waitFor(10, TimeUnit.SECONDS);
        }
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        }
    }
}
