package org.enbd.itest.secure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * ENBD-J's TLS server (STARTTLS, BouncyCastle JSSE, client certificates required) driven by libnbd's nbdinfo and
 * nbdcopy and by qemu-img (GnuTLS): X.509 with client certificates works and carries a copy byte for byte;
 * plaintext is refused.
 */
class TlsServerInteropTest {
    private static final long SIZE = 16L << 20;
    private TlsSetup tls;

    @BeforeEach
    void start() throws Exception {
        Peers.require("nbdinfo");
        tls = new TlsSetup(SIZE, true, "alice");
    }

    @AfterEach
    void stop() throws Exception {
        if (tls != null) {
            tls.close();
        }
    }

    @Test
    void nbdinfoNegotiatesTlsWithAClientCertificate() throws Exception {
        int rc = tls.peers.run(Duration.ofSeconds(30), "nbdinfo", "nbdinfo", tls.uri(tls.certs));
        String out = tls.peers.log("nbdinfo");
        assertEquals(0, rc, out);
        assertTrue(out.contains("with TLS"), out);
        assertTrue(out.contains("export-size: " + SIZE), out);
    }

    @Test
    void nbdcopyCarriesAnImageByteForByteOverTls() throws Exception {
        Peers.require("nbdcopy");
        Path source = tls.peers.source("source.img", SIZE, 3);
        Path back = tls.peers.dir.resolve("back.img");
        assertEquals(0, tls.peers.run(Duration.ofSeconds(60), "up", "nbdcopy", source.toString(),
                tls.uri(tls.certs)), tls.peers.log("up"));
        assertEquals(0, tls.peers.run(Duration.ofSeconds(60), "down", "nbdcopy", tls.uri(tls.certs),
                back.toString()), tls.peers.log("down"));
        assertEquals(-1, java.nio.file.Files.mismatch(source, back), "the image came back byte for byte");
    }

    @Test
    void qemuImgWithTlsCredsX509WritesAndComparesAnImage() throws Exception {
        Peers.require("qemu-img");
        Path source = tls.peers.source("source.img", SIZE, 4);
        String object = "tls-creds-x509,id=tls0,endpoint=client,dir=" + tls.certs;
        String target = "driver=nbd,host=127.0.0.1,port=" + tls.server.port() + ",export=disk,tls-creds=tls0";
        assertEquals(0, tls.peers.run(Duration.ofSeconds(60), "convert", "qemu-img", "convert", "-n", "-f", "raw",
                "--object", object, "--target-image-opts", source.toString(), target), tls.peers.log("convert"));
        assertEquals(0, tls.peers.run(Duration.ofSeconds(60), "compare", "qemu-img", "compare", "--object", object,
                "--image-opts", "driver=file,filename=" + source, target), tls.peers.log("compare"));
    }

    @Test
    void plaintextIsRefused() throws Exception {
        int rc = tls.peers.run(Duration.ofSeconds(30), "plain", "nbdinfo",
                "nbd://127.0.0.1:" + tls.server.port() + "/disk");
        assertNotEquals(0, rc, tls.peers.log("plain"));
        assertTrue(tls.peers.log("plain").contains("TLS"), tls.peers.log("plain"));
    }

    @Test
    void newCertificatesOnDiskServeNewConnectionsWithoutARestart() throws Exception {
        Path fresh = tls.peers.dir.resolve("fresh");
        org.enbd.transport.ssl.credentials.CertificateAuthority.init(fresh, java.util.List.of("localhost",
                "127.0.0.1"), "alice", TlsSetup.YEAR);
        Path old = tls.peers.dir.resolve("old");
        java.nio.file.Files.createDirectories(old);
        for (String file : new String[] {"ca-cert.pem", "client-cert.pem", "client-key.pem"}) {
            java.nio.file.Files.copy(tls.certs.resolve(file), old.resolve(file));
        }
        for (String file : new String[] {"ca-cert.pem", "server-cert.pem", "server-key.pem"}) {
            java.nio.file.Files.copy(fresh.resolve(file), tls.certs.resolve(file),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        String newCa = issuer(fresh.resolve("ca-cert.pem"));
        tls.board.await("tls", status -> status.detail().contains(newCa), Duration.ofSeconds(30));
        assertEquals(0, tls.peers.run(Duration.ofSeconds(30), "fresh", "nbdinfo", tls.uri(fresh)),
                tls.peers.log("fresh"));
        assertNotEquals(0, tls.peers.run(Duration.ofSeconds(30), "old", "nbdinfo", tls.uri(old)),
                "a client of the replaced CA is refused: " + tls.peers.log("old"));
    }

    private static String issuer(Path caCertificate) throws Exception {
        try (var in = java.nio.file.Files.newInputStream(caCertificate)) {
            return ((java.security.cert.X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                    .generateCertificate(in)).getSubjectX500Principal().getName();
        }
    }
}
