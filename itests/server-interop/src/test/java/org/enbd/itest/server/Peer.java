package org.enbd.itest.server;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs real NBD peers (nbdinfo, nbdsh, qemu-img, nbdcopy, python3) as processes with a timeout, as nbdkit's test
 * helpers do: a test that needs a missing tool is skipped with a message naming it, and a process that overruns
 * is killed (with its children) and fails the test.
 */
final class Peer {
    static final Duration TIMEOUT = Duration.ofSeconds(45);

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
        boolean found = Arrays.stream(System.getenv().getOrDefault("PATH", "/usr/bin").split(":"))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, tool)));
        assumeTrue(found, tool + " is not installed (apt-get install the package that provides it)");
    }

    /** Debian's python3, which has the python3-libnbd bindings (a pyenv python3 on the PATH would not). */
    static final String PYTHON = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";

    /**
     * Helpers every script gets: {@code connect(uri, strict=True, meta=False)} and {@code err(fn)}, which returns
     * the NBD error name a call fails with (or "ok").
     */
    static final String PRELUDE = """
            import nbd, sys
            def connect(uri, strict=True, meta=False):
                h = nbd.NBD()
                if not strict:
                    h.set_strict_mode(0)
                if meta:
                    h.add_meta_context(nbd.CONTEXT_BASE_ALLOCATION)
                h.connect_uri(uri)
                return h
            def err(fn):
                try:
                    fn()
                    return "ok"
                except nbd.Error as e:
                    return e.errno or ("errnum %s" % e.errnum)
            def extents(h, length, offset, flags=0):
                seen = []
                def cb(meta, off, entries, error):
                    seen.extend(zip(entries[0::2], entries[1::2]))
                    return 0
                h.block_status(length, offset, cb, flags)
                return seen
            """;

    /** Skips unless python3 can import the libnbd bindings. */
    static void requirePythonNbd() {
        Result r = run(List.of(PYTHON, "-c", "import nbd"), null, Duration.ofSeconds(20));
        assumeTrue(r.exit() == 0, "python3-libnbd is not installed: " + r.stderr());
    }

    static Result run(String... command) {
        return run(List.of(command), null, TIMEOUT);
    }

    /** Runs {@code command}, feeding {@code stdin} if not null, and waits up to {@code timeout}. */
    static Result run(List<String> command, String stdin, Duration timeout) {
        if (!command.get(0).startsWith("/")) {
            require(command.get(0));
        }
        ProcessBuilder builder = new ProcessBuilder(new ArrayList<>(command));
        Map<String, String> env = builder.environment();
        env.put("LIBNBD_DEBUG", "0");
        // peers written in python (nbdsh) need Debian's python3, which has the libnbd bindings
        env.put("PATH", "/usr/bin:/bin:" + env.getOrDefault("PATH", ""));
        try {
            Path out = Files.createTempFile("peer", ".out");
            Path err = Files.createTempFile("peer", ".err");
            builder.redirectOutput(out.toFile()).redirectError(err.toFile());
            Process process = builder.start();
            try {
                if (stdin != null) {
                    process.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
                }
                process.getOutputStream().close();
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                    throw new AssertionError(String.join(" ", command) + " did not finish within " + timeout
                            + "\nstderr: " + Files.readString(err));
                }
                return new Result(command, process.exitValue(), Files.readString(out), Files.readString(err));
            } finally {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new AssertionError("cannot run " + command + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted running " + command);
        }
    }

    /** Runs a python3 script with the libnbd bindings; the script prints what the test asserts. */
    static Result python(String script) {
        requirePythonNbd();
        return run(List.of(PYTHON, "-c", PRELUDE + script), null, TIMEOUT);
    }
}
