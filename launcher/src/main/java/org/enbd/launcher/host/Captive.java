package org.enbd.launcher.host;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.enbd.launcher.Daemon;
import org.slf4j.Logger;

/**
 * nbdkit's captive mode: the shell command runs once the server is up, with {@code $uri} in its environment, and
 * the server stops when it ends, exiting with its status. Also the pid file, written once up.
 */
final class Captive {
    private final Process process;

    private Captive(Process process) {
        this.process = process;
    }

    /** Runs the command (stdin, stdout and stderr are this process's), and stops the server when it ends. */
    static Captive start(Daemon daemon, Runnable stopServer) throws IOException {
        ProcessBuilder builder = new ProcessBuilder("/bin/sh", "-c", daemon.run().orElseThrow()).inheritIO();
        builder.environment().put("uri", daemon.uri());
        SdNotify.forgetIn(builder.environment()); // the service manager's sockets are the server's, not the command's
        Process process = builder.start();
        process.onExit().thenRun(stopServer);
        return new Captive(process);
    }

    /**
     * The command's exit status once the server has stopped: its own when it ended, 0 when a signal stopped the
     * server first (the command is then ended too, as nbdkit does).
     */
    int status() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            process.waitFor();
            return 0;
        }
        return process.exitValue();
    }

    /** Why the pid file could not be written (its directory missing or not writable), checked before start-up. */
    static java.util.Optional<String> unwritable(Path file) {
        Path directory = file.toAbsolutePath().getParent();
        if (directory == null || !Files.isDirectory(directory)) {
            return java.util.Optional.of("cannot write it: no directory " + directory);
        }
        if (!Files.isWritable(directory)) {
            return java.util.Optional.of("cannot write it: " + directory + " is not writable");
        }
        if (Files.isDirectory(file)) {
            return java.util.Optional.of("cannot write it: it is a directory");
        }
        return java.util.Optional.empty();
    }

    static void writePidFile(Daemon daemon) throws IOException {
        if (daemon.pidFile().isPresent()) {
            Path file = daemon.pidFile().get();
            Path partial = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(partial, ProcessHandle.current().pid() + "\n", StandardCharsets.US_ASCII);
            // renamed into place: a supervisor never reads a half-written file
            Files.move(partial, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
    }

    /** Removes the pid file and captive mode's private directory. */
    static void cleanUp(Daemon daemon, Logger log) {
        try {
            Path pidFile = daemon.pidFile().orElse(null);
            // only the file this process wrote: a failed start must not remove a running server's
            if (pidFile != null && Files.isRegularFile(pidFile) && Files.readString(pidFile, StandardCharsets.US_ASCII)
                    .trim().equals(Long.toString(ProcessHandle.current().pid()))) {
                Files.delete(pidFile);
            }
            if (daemon.scratch().isPresent() && Files.isDirectory(daemon.scratch().get())) {
                try (Stream<Path> paths = Files.walk(daemon.scratch().get())) {
                    for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(path);
                    }
                }
            }
        } catch (IOException e) {
            log.warn("cannot clean up: {}", e.getMessage());
        }
    }
}
