package org.enbd.itest.secure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.enbd.client.RemoteDevice;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A dropped SSH session is a network failure like any other: sshd and every session process it forked are killed
 * with writes in flight, then started again; the engine retracts, reconnects through a new session and resubmits,
 * and the copy completes. qemu-img compare then reads the server directly: every byte is there.
 */
class SshServerRestartTest {
    private static final int CHUNK = 1 << 20;
    private static final int CHUNKS = 48;
    private SshSetup ssh;

    @BeforeEach
    void start() throws Exception {
        Peers.require("qemu-img");
        ssh = new SshSetup((long) CHUNK * CHUNKS);
    }

    @AfterEach
    void stop() throws Exception {
        if (ssh != null) {
            ssh.close();
        }
    }

    @Test
    void aCopyCompletesAcrossAKillAndRestartOfSshd() throws Exception {
        Path source = ssh.peers.source("source.img", (long) CHUNK * CHUNKS, 7);
        byte[] bytes = Files.readAllBytes(source);
        try (RemoteDevice device = ssh.client.open(SshClient.options(ssh.uri(""), 2))) {
            Semaphore window = new Semaphore(8);
            List<CompletableFuture<Void>> writes = new ArrayList<>();
            for (int i = 0; i < CHUNKS; i++) {
                if (i == CHUNKS / 2) {
                    ssh.sshd.kill(); // up to eight writes in flight on the session that goes
                    ssh.sshd.start();
                }
                window.acquire();
                writes.add(device.write((long) i * CHUNK, Unpooled.wrappedBuffer(bytes, i * CHUNK, CHUNK), 0)
                        .toCompletableFuture().whenComplete((ok, failure) -> window.release()));
            }
            CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
            device.flush(0).toCompletableFuture().get(60, TimeUnit.SECONDS);
            long lost = ((Number) device.status().attributes().get("connectionsLost")).longValue();
            assertTrue(lost >= 1, "the kill dropped the device's connections: " + device.status());
        }
        assertEquals(2, ssh.sshd.sessionsAccepted(), "one session before the kill, one after: " + ssh.sshd.log());
        int rc = ssh.peers.run(Duration.ofSeconds(60), "compare", "qemu-img", "compare", "-f", "raw", "-F", "raw",
                source.toString(), ssh.server.uri());
        assertEquals(0, rc, "the server holds exactly the source: " + ssh.peers.log("compare"));
    }
}
