package org.enbd.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "Quick start" block, run as written (its commands, in order, in bash) against the distribution:
 * the docs must match the behaviour. The test adds only the glue a reader does by eye: an image to write
 * ({@code disk.img}), a wait for the server's listening line after {@code ./enbd server &}, and the exit status of
 * the server after {@code kill %1}; {@code ./enbd} runs the built distribution's jar.
 */
class ReadmeQuickStartDistributionTest {
    private static final int IMAGE = 8 << 20;

    @TempDir
    Path work;

    static List<String> quickStart() throws Exception {
        List<String> readme = Files.readAllLines(Path.of("..", "README.md"));
        int heading = readme.indexOf("## Quick start");
        assertTrue(heading >= 0, "README.md has a Quick start section");
        int open = heading + 1;
        while (!readme.get(open).equals("```sh")) {
            open++;
        }
        List<String> commands = new ArrayList<>();
        for (int i = open + 1; !readme.get(i).equals("```"); i++) {
            String line = readme.get(i).replaceAll("\\s+#\\s.*$", "").strip(); // the comment is the reader's
            if (!line.isEmpty()) {
                commands.add(line);
            }
        }
        return commands;
    }

    @Test
    void theQuickStartRunsAsWritten() throws Exception {
        for (String tool : List.of("nbdinfo", "qemu-img", "nbdcopy")) {
            assumeTrue(Files.isExecutable(Path.of("/usr/bin", tool)), tool + " is not installed (./test installs it)");
        }
        try (Socket probe = new Socket()) {
            probe.connect(new InetSocketAddress("127.0.0.1", 10809), 200);
            assumeTrue(false, "port 10809, the README's, is taken on this machine");
        } catch (java.io.IOException free) {
            // the README's port is free: go on
        }
        List<String> commands = quickStart();
        assertEquals("./enbd server &", commands.getFirst(), "the block starts the server in the background");
        assertEquals("kill %1", commands.getLast(), "and ends by stopping it");

        Path enbd = work.resolve("enbd");
        Files.writeString(enbd, "#!/bin/sh\nexec '" + ProcessHandle.current().info().command().orElse("java")
                + "' --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -jar '"
                + EnbdProcess.dist().resolve("enbd.jar") + "' \"$@\"\n");
        assertTrue(enbd.toFile().setExecutable(true));
        StringBuilder script = new StringBuilder("set -e\nhead -c " + IMAGE + " /dev/urandom > disk.img\n");
        for (String command : commands) {
            String line = command;
            if (line.equals("./enbd server &")) {
                script.append("./enbd server > server.out 2> server.err &\n")
                        .append("for i in $(seq 600); do grep -q 'listening on' server.out && break; sleep 0.1; done\n")
                        .append("grep -q 'listening on 127.0.0.1:10809' server.out\n");
            } else if (line.equals("kill %1")) {
                script.append("kill %1\nstatus=0; wait %1 || status=$?\necho \"server exit $status\"\n");
            } else {
                script.append(line).append('\n');
            }
        }
        script.append("cmp -n ").append(IMAGE).append(" disk.img copy.img\necho quick-start-done\n");
        Path run = Files.writeString(work.resolve("quick-start.sh"), script.toString());
        ProcessBuilder builder = new ProcessBuilder("bash", run.toString()).directory(work.toFile())
                .redirectErrorStream(true).redirectOutput(work.resolve("quick-start.log").toFile());
        // the server's default data directory (~/.local/state/enbd/server) in the test's own directory
        builder.environment().put("XDG_STATE_HOME", work.resolve("state").toString());
        Process bash = builder.start();
        boolean ended = bash.waitFor(180, TimeUnit.SECONDS);
        String log = Files.readString(work.resolve("quick-start.log"));
        String serverLog = Files.exists(work.resolve("server.err")) ? Files.readString(work.resolve("server.err")) : "";
        if (!ended) {
            bash.destroyForcibly();
            ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly);
        }
        assertTrue(ended, "the quick start did not finish in 180 s: " + log + serverLog);
        assertEquals(0, bash.exitValue(), "the quick start failed:\n" + script + "\n---\n" + log + serverLog);
        assertTrue(log.contains("size") && log.contains("1073741824"), "nbdinfo shows the 1 GiB export: " + log);
        assertTrue(log.contains("server exit 0"), "SIGTERM: exit status 0, as the README says: " + log);
        assertTrue(log.contains("quick-start-done"), log);
    }
}
