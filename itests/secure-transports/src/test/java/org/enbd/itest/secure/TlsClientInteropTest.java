package org.enbd.itest.secure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.enbd.client.RemoteDevice;
import org.enbd.transport.ssl.credentials.CertificateAuthority;
import org.enbd.transport.ssl.credentials.PskFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * ENBD-J's client with {@code nbds://} URIs as libnbd takes them, against real TLS servers: nbdkit (GnuTLS) with
 * X.509 and client certificates and with TLS-PSK, qemu-nbd with {@code tls-creds-x509}, and ENBD-J's own TLS server
 * (X.509 over TCP and {@code nbds+unix}, PSK). Each time qemu-img writes an image through the client's local
 * endpoint, and the server is read back by another client (libnbd's nbdcopy with its own TLS, or the file itself):
 * byte for byte.
 */
class TlsClientInteropTest {
    private static final long SIZE = 24L << 20;
    private Peers peers;
    private TlsClient client;
    private Path certs;
    private Path source;

    @BeforeEach
    void start() throws Exception {
        Peers.require("qemu-img");
        peers = new Peers();
        client = new TlsClient();
        certs = peers.dir.resolve("certs");
        CertificateAuthority.init(certs, List.of("localhost", "127.0.0.1"), "alice", TlsSetup.YEAR);
        source = peers.source("source.img", SIZE, 12);
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
    void nbdkitWithX509AndAClientCertificate() throws Exception {
        NbdkitTls nbdkit = NbdkitTls.x509(peers, certs, true, "memory", Long.toString(SIZE));
        // the server's certificate must name "localhost", the host in the URI
        client.copyThrough(peers, "nbds://localhost:" + nbdkit.port + "/?tls-certificates=" + certs, 2, source);
        readBack("nbds://localhost:" + nbdkit.port + "/?tls-certificates=" + certs);
    }

    @Test
    void nbdkitWithAPreSharedKey() throws Exception {
        Path keys = certs.resolve("keys.psk");
        PskFile.add(keys, "alice");
        NbdkitTls nbdkit = NbdkitTls.psk(peers, keys, "memory", Long.toString(SIZE));
        String uri = "nbds://alice@127.0.0.1:" + nbdkit.port + "/?tls-psk-file=" + keys;
        client.copyThrough(peers, uri, 2, source);
        readBack(uri);
    }

    @Test
    void qemuNbdWithTlsCredsX509() throws Exception {
        Peers.require("qemu-nbd");
        Path target = peers.dir.resolve("target.img");
        try (var file = java.nio.channels.FileChannel.open(target, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            file.truncate(0).write(java.nio.ByteBuffer.allocate(1), SIZE - 1);
        }
        int port = Peers.freePort();
        peers.start("qemu-nbd", "qemu-nbd", "--object", "tls-creds-x509,id=tls0,endpoint=server,dir=" + certs
                + ",verify-peer=yes", "--tls-creds", "tls0", "-f", "raw", "-t", "--shared=4", "-b", "127.0.0.1",
                "-p", Integer.toString(port), "-x", "disk", target.toString());
        Peers.awaitPort(port, Duration.ofSeconds(30));
        client.copyThrough(peers, "nbds://127.0.0.1:" + port + "/disk?tls-certificates=" + certs, 2, source);
        assertEquals(-1, Files.mismatch(source, target), "qemu-nbd's file holds the image byte for byte");
    }

    @Test
    void enbdServerWithX509OverTcpAndUnixSockets() throws Exception {
        try (TlsSetup tls = new TlsSetup(SIZE, true, "alice")) {
            client.copyThrough(peers, "nbds://localhost:" + tls.server.port() + "/disk?tls-certificates="
                    + tls.certs, 2, source);
            readBack(tls.uri(tls.certs));
            // nbds+unix: the chain is verified (no host to name), and the bytes read are the image's
            try (RemoteDevice device = client.open("nbds+unix:///disk?socket=" + tls.server.socket
                    + "&tls-certificates=" + tls.certs, 1)) {
                ByteBuf head = device.read(0, 1 << 20, 0, ByteBufAllocator.DEFAULT).toCompletableFuture()
                        .get(30, TimeUnit.SECONDS);
                try {
                    byte[] bytes = new byte[1 << 20];
                    head.getBytes(head.readerIndex(), bytes);
                    assertEquals(-1, java.util.Arrays.mismatch(bytes, java.util.Arrays.copyOf(
                            Files.readAllBytes(source), 1 << 20)), "the first MiB over nbds+unix");
                } finally {
                    head.release();
                }
            }
        }
    }

    @Test
    void enbdServerWithAPreSharedKey() throws Exception {
        try (TlsSetup tls = TlsSetup.psk(SIZE, "alice")) {
            String uri = tls.pskUri("alice", tls.certs.resolve("keys.psk"));
            client.copyThrough(peers, uri, 2, source);
            readBack(uri);
        }
    }

    /** libnbd reads the server back over its own TLS: the image, byte for byte. */
    private void readBack(String uri) throws Exception {
        Peers.require("nbdcopy");
        Path back = peers.dir.resolve("back.img");
        Files.deleteIfExists(back);
        int rc = peers.run(Duration.ofSeconds(120), "back", "nbdcopy", uri, back.toString());
        assertEquals(0, rc, peers.log("back"));
        assertEquals(-1, Files.mismatch(source, back), "the server holds the image byte for byte");
    }
}
