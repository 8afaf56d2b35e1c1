package org.enbd.itest.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** QEMU's block layer (qemu-io) and the nbdsh command itself against the server. */
class QemuIoAndNbdshTest {
    @TempDir
    static Path dir;
    static ServedExports served;

    @BeforeAll
    static void start() throws Exception {
        served = new ServedExports(dir, "disk=memory:16M", "ro=memory:1M,ro");
    }

    @AfterAll
    static void stop() {
        served.close();
    }

    private static Peer.Result qemuIo(String uri, String... commands) {
        List<String> command = new java.util.ArrayList<>(List.of("qemu-io", "-f", "raw"));
        for (String c : commands) {
            command.add("-c");
            command.add(c);
        }
        command.add(uri);
        return Peer.run(command, null, Peer.TIMEOUT);
    }

    @Test
    void qemuIoWritesPatternsZeroesAndDiscards() {
        String out = qemuIo(served.uri("disk"), "write -P 0xab 0 64k", "read -P 0xab 0 64k",
                "write -z 64k 64k", "read -P 0 64k 64k", "discard 0 64k", "write -f -P 0xcd 128k 4k",
                "read -P 0xcd 128k 4k", "flush").ok().stdout();
        assertFalse(out.contains("Pattern verification failed"), out);
        assertTrue(out.contains("discard 65536/65536 bytes at offset 0"), out);
        assertFalse(out.contains("invalid option"), out);
    }

    @Test
    void qemuIoSeesTheReadOnlyExport() {
        Peer.Result r = qemuIo(served.uri("ro"), "write -P 1 0 4k");
        assertTrue(r.exit() != 0 || (r.stdout() + r.stderr()).contains("ermission"), r.stdout() + r.stderr());
    }

    @Test
    void nbdshCommandLine() {
        Peer.require("nbdsh");
        String out = Peer.run(List.of("nbdsh", "-u", served.unixUri("disk"), "-c",
                "h.pwrite(b'nbdsh was here', 1048576); print(h.pread(14, 1048576).decode()); "
                        + "print(h.get_size(), h.can_fast_zero(), h.can_df())"), null, Duration.ofSeconds(45))
                .ok().stdout().trim();
        assertEquals("nbdsh was here\n16777216 True True", out);
    }
}
