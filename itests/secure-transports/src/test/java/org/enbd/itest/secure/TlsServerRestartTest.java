package org.enbd.itest.secure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.enbd.client.RemoteDevice;
import org.enbd.transport.ssl.credentials.CertificateAuthority;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The engine's resilience over TLS: nbdkit serving a file with {@code --tls=require} is killed (-9) with writes in
 * flight and started again on the same port; the client reconnects, runs STARTTLS and the TLS handshake again on
 * each new connection (the server takes nothing else), resubmits, and the copy completes: the file holds the
 * source byte for byte.
 */
class TlsServerRestartTest {
    private static final int CHUNK = 1 << 20;
    private static final int CHUNKS = 48;
    private Peers peers;
    private TlsClient client;

    @BeforeEach
    void start() throws Exception {
        Peers.require("nbdkit");
        peers = new Peers();
        client = new TlsClient();
    }

    @AfterEach
    void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        if (peers != null) {
            peers.close();
        }
    }

    @Test
    void aCopyCompletesAcrossAKillAndRestartOfTheTlsServer() throws Exception {
        Path certs = peers.dir.resolve("certs");
        CertificateAuthority.init(certs, List.of("localhost", "127.0.0.1"), "alice", TlsSetup.YEAR);
        Path target = peers.dir.resolve("target.img");
        try (var file = new java.io.RandomAccessFile(target.toFile(), "rw")) {
            file.setLength((long) CHUNK * CHUNKS);
        }
        Path source = peers.source("source.img", (long) CHUNK * CHUNKS, 21);
        byte[] bytes = Files.readAllBytes(source);
        NbdkitTls nbdkit = NbdkitTls.x509(peers, Peers.freePort(), certs, true, "file", target.toString()).start();
        try (RemoteDevice device = client.open("nbds://localhost:" + nbdkit.port + "/?tls-certificates=" + certs,
                2)) {
            Semaphore window = new Semaphore(8);
            List<CompletableFuture<Void>> writes = new ArrayList<>();
            for (int i = 0; i < CHUNKS; i++) {
                if (i == CHUNKS / 2) {
                    nbdkit.kill(); // up to eight writes in flight on the connections that go
                    nbdkit.start();
                }
                window.acquire();
                writes.add(device.write((long) i * CHUNK, Unpooled.wrappedBuffer(bytes, i * CHUNK, CHUNK), 0)
                        .toCompletableFuture().whenComplete((ok, failure) -> window.release()));
            }
            CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
            device.flush(0).toCompletableFuture().get(60, TimeUnit.SECONDS);
            long lost = ((Number) device.status().attributes().get("connectionsLost")).longValue();
            assertTrue(lost >= 1, "the kill dropped the device's connections: " + device.status());
            assertEquals(2, device.status().attributes().get("connections"), "both back, over TLS");
        }
        assertEquals(-1, Files.mismatch(source, target), "the file holds exactly the source");
    }
}
