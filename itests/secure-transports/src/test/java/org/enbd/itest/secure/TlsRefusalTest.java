package org.enbd.itest.secure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.enbd.transport.ssl.credentials.CertificateAuthority;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What ENBD-J's TLS server refuses, each seen by libnbd's nbdinfo (GnuTLS) and in the server's own report: a client
 * certificate of another CA, an expired client certificate, no client certificate at all, a client that does not
 * trust the server's CA; and an export kept for another TLS identity. Every refusal is counted with its reason.
 */
class TlsRefusalTest {
    private TlsSetup tls;

    @BeforeEach
    void start() throws Exception {
        Peers.require("nbdinfo");
        tls = new TlsSetup(1 << 20, true, "alice");
    }

    @AfterEach
    void stop() throws Exception {
        if (tls != null) {
            tls.close();
        }
    }

    private String refused(String name, String uri) throws Exception {
        int rc = tls.peers.run(Duration.ofSeconds(30), name, "nbdinfo", uri);
        String out = tls.peers.log(name);
        assertNotEquals(0, rc, out);
        return out;
    }

    @Test
    void aClientCertificateOfAnotherCaIsRefused() throws Exception {
        // the client trusts the server (our CA's certificate) but shows a certificate another CA signed
        Path foreign = tls.foreignClient("mallory");
        Files.copy(tls.certs.resolve("ca-cert.pem"), foreign.resolve("ca-cert.pem"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        String out = refused("foreign", tls.uri(foreign));
        assertTrue(out.contains("TLS fatal alert"), out);
        assertEquals(1L, tls.status().attributes().get("failedHandshakes"));
        // GnuTLS offers only a certificate of a CA the server names, so the server sees none
        String failure = tls.lastFailure("the client sent no certificate");
        assertTrue(failure.contains("the client sent no certificate"), failure);
    }

    @Test
    void anExpiredClientCertificateIsRefused() throws Exception {
        CertificateAuthority ca = authorityOf(tls.certs);
        Instant now = Instant.now();
        Path expired = tls.client("expired", ca.client("alice", now.minus(Duration.ofDays(30)),
                now.minus(Duration.ofDays(1))));
        String out = refused("expired", tls.uri(expired));
        assertTrue(out.contains("TLS fatal alert"), out);
        String failure = tls.lastFailure("the client certificate CN=alice expired on");
        assertTrue(failure.contains("the client certificate CN=alice expired on"), failure);
    }

    @Test
    void aClientWithoutACertificateIsRefusedWhenPeersAreVerified() throws Exception {
        Path anonymous = Files.createDirectories(tls.peers.dir.resolve("anonymous"));
        Files.copy(tls.certs.resolve("ca-cert.pem"), anonymous.resolve("ca-cert.pem"));
        refused("anonymous", tls.uri(anonymous));
        assertEquals(1L, tls.status().attributes().get("failedHandshakes"));
        String failure = tls.lastFailure("the client sent no certificate");
        assertTrue(failure.contains("the client sent no certificate"), failure);
    }

    @Test
    void aClientThatDoesNotTrustTheServersCaRefusesIt() throws Exception {
        String out = refused("wrong-ca", tls.uri(tls.foreignClient("bob")));
        assertTrue(out.contains("certificate") || out.contains("verif"), out);
    }

    @Test
    void anExportKeptForAnotherIdentityIsRefusedByPolicy() throws Exception {
        tls.close();
        tls = new TlsSetup(1 << 20, true, "bob", "alice");
        String out = refused("bob", tls.uri(tls.certs));
        assertTrue(out.contains("opt_go"), out);
        assertTrue(out.contains("with TLS"), "refused after TLS was up, by the export's policy: " + out);
        Path alice = tls.client("alice", authorityOf(tls.certs).client("alice", TlsSetup.YEAR));
        int rc = tls.peers.run(Duration.ofSeconds(30), "alice", "nbdinfo", tls.uri(alice));
        assertEquals(0, rc, "alice may: " + tls.peers.log("alice"));
    }

    /** The CA in {@code dir} (its key is kept beside its certificate by {@code certs init}). */
    private static CertificateAuthority authorityOf(Path dir) throws Exception {
        return CertificateAuthority.load(dir.resolve("ca-cert.pem"), dir.resolve("ca-key.pem"));
    }
}
