package org.enbd.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Boot ordering, as nbd-client -persist allows it: a client started with {@code --start-timeout 0} before its
 * server waits as long as it takes (here past the 15 s after which a client with a timeout gives up), then serves
 * once the server comes up.
 */
class BootOrderingDistributionTest {
    @TempDir
    Path work;

    @Test
    void aClientWithNoStartTimeoutWaitsForItsServerAndThenServes() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/nbdkit")) || Files.isExecutable(Path.of("/usr/bin/nbdkit")),
                "nbdkit is not installed");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/nbdinfo")), "nbdinfo is not installed");
        int remote = EnbdProcess.freePort();
        int local = EnbdProcess.freePort();
        try (EnbdProcess client = EnbdProcess.start(work, "--start-timeout", "0", "client",
                "nbd://127.0.0.1:" + remote, "--ephemeral", "--serve", "127.0.0.1:" + local)) {
            assertEquals(Optional.empty(), client.awaitExit(Duration.ofSeconds(20)),
                    "the client gave up while its server was not up yet\n" + client.output());
            Process nbdkit = new ProcessBuilder("nbdkit", "-f", "--exit-with-parent", "-i", "127.0.0.1", "-p",
                    Integer.toString(remote), "memory", "32M").redirectErrorStream(true)
                    .redirectOutput(work.resolve("nbdkit.log").toFile()).start();
            try {
                Optional<String> ready = client.awaitLine(l -> l.startsWith("enbd: ") && l.contains("127.0.0.1:"
                        + local), Duration.ofSeconds(90));
                assertTrue(ready.isPresent(), "the client did not serve once its server was up\n" + client.output());
                Process info = new ProcessBuilder("nbdinfo", "--size", "nbd://127.0.0.1:" + local)
                        .redirectErrorStream(true).start();
                assertTrue(info.waitFor(30, TimeUnit.SECONDS));
                assertEquals("33554432", new String(info.getInputStream().readAllBytes()).trim(), client.output());
            } finally {
                nbdkit.destroy();
                nbdkit.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
