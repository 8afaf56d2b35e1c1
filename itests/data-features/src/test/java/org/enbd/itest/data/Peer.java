package org.enbd.itest.data;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs real tools (nbdinfo, qemu-img, nbdcopy, sgdisk) as processes with a timeout, as itests/server-interop's
 * helper of the same name does: a test whose tool is missing is skipped naming it, and a process that overruns
 * is killed with its children and fails the test.
 */
final class Peer {
    static final Duration TIMEOUT = Duration.ofSeconds(60);

    private Peer() {
    }

    /** What a finished process left. */
    record Result(List<String> command, int exit, String stdout, String stderr) {
        Result ok() {
            if (exit != 0) {
                throw new AssertionError(String.join(" ", command) + " exited " + exit + "\nstdout: " + stdout
                        + "\nstderr: " + stderr);
            }
            return this;
        }
    }

    /** Skips the calling test unless {@code tool} is on the PATH. */
    static void require(String tool) {
        boolean found = Arrays.stream(("/usr/sbin:/sbin:" + System.getenv().getOrDefault("PATH", "/usr/bin"))
                .split(":")).anyMatch(dir -> Files.isExecutable(Path.of(dir, tool)));
        assumeTrue(found, tool + " is not installed (apt-get install the package that provides it)");
    }

    static Result run(String... command) {
        require(command[0]);
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("LIBNBD_DEBUG", "0");
        builder.environment().put("PATH", "/usr/sbin:/sbin:/usr/bin:/bin:" + builder.environment().get("PATH"));
        try {
            Path out = Files.createTempFile("peer", ".out");
            Path err = Files.createTempFile("peer", ".err");
            Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            try {
                process.getOutputStream().close();
                if (!process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                    throw new AssertionError(String.join(" ", command) + " did not finish within " + TIMEOUT
                            + "\nstderr: " + Files.readString(err));
                }
                return new Result(List.of(command), process.exitValue(), Files.readString(out),
                        Files.readString(err));
            } finally {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new AssertionError("cannot run " + List.of(command) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted running " + List.of(command));
        }
    }
}
