package org.enbd.itest.secure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.server.TlsPolicy;
import org.enbd.transport.ssl.credentials.CertificateAuthority;
import org.enbd.transport.ssl.credentials.PskFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What ENBD-J's client refuses when it was asked for {@code nbds://}, each at once, with no retry, and with a
 * message that says why: a server certificate of another CA, an expired one, one for another host; a pre-shared
 * key the server does not share; a server that does not do TLS at all (which never sees an option in clear).
 * Opened the way components open ({@code RemoteDevice.openRetrying}): a refusal must end it.
 */
class TlsClientRefusalTest {
    private Peers peers;
    private TlsClient client;

    @BeforeEach
    void start() throws Exception {
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

    private String refused(String uri) {
        NbdException e = assertThrows(NbdException.class, () -> {
            try (var opened = client.openRetrying(uri)) {
                // null: given up after retries, as the assertion's message says
            }
        }, () -> "retried: " + client.lastRetried);
        assertEquals(NbdError.EPERM, e.error(), e.getMessage());
        assertEquals(0, client.retries.get(), "a refusal is never retried: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void aServerCertificateOfAnotherCaIsRefused() throws Exception {
        try (TlsSetup tls = new TlsSetup(1 << 20, false, "alice")) {
            Path foreign = tls.foreignClient("bob"); // trusts another CA only
            String why = refused("nbds://localhost:" + tls.server.port() + "/disk?tls-certificates=" + foreign);
            assertTrue(why.contains("TLS handshake") && why.contains("not by the CA in ca-cert.pem"), why);
        }
    }

    @Test
    void anExpiredServerCertificateIsRefused() throws Exception {
        Path certs = Files.createDirectories(peers.dir.resolve("expired"));
        CertificateAuthority ca = CertificateAuthority.create("enbd test CA", TlsSetup.YEAR);
        ca.ca().write(certs.resolve("ca-cert.pem"), certs.resolve("ca-key.pem"));
        Instant now = Instant.now();
        ca.server(List.of("localhost", "127.0.0.1"), now.minus(Duration.ofDays(30)), now.minus(Duration.ofDays(1)))
                .write(certs.resolve("server-cert.pem"), certs.resolve("server-key.pem"));
        NbdkitTls nbdkit = NbdkitTls.x509(peers, certs, false, "memory", "1M");
        String why = refused("nbds://localhost:" + nbdkit.port + "/?tls-certificates=" + certs);
        assertTrue(why.contains("expired on"), why);
    }

    @Test
    void aServerCertificateForAnotherHostIsRefused() throws Exception {
        try (TlsSetup tls = new TlsSetup(1 << 20, false, "alice")) {
            String why = refused("nbds://127.0.0.1:" + tls.server.port() + "/disk?tls-certificates=" + tls.certs
                    + "&tls-hostname=disk.example.org");
            assertTrue(why.contains("TLS handshake"), why);
            assertTrue(why.contains("disk.example.org"), "names the host it expected: " + why);
        }
    }

    @Test
    void aWrongPreSharedKeyIsRefused() throws Exception {
        Path keys = Files.createDirectories(peers.dir.resolve("psk")).resolve("keys.psk");
        PskFile.add(keys, "alice");
        Path wrong = peers.dir.resolve("psk").resolve("wrong.psk");
        PskFile.add(wrong, "alice"); // another random key for the same identity
        NbdkitTls nbdkit = NbdkitTls.psk(peers, keys, "memory", "1M");
        String why = refused("nbds://alice@127.0.0.1:" + nbdkit.port + "/?tls-psk-file=" + wrong);
        assertTrue(why.contains("did not accept the key for TLS identity 'alice'"), why);
    }

    @Test
    void nbdkitWithoutTlsIsNeverUsedInClear() throws Exception {
        Path certs = peers.dir.resolve("certs");
        CertificateAuthority.init(certs, List.of("localhost", "127.0.0.1"), "alice", TlsSetup.YEAR);
        NbdkitTls nbdkit = NbdkitTls.plain(peers, "memory", "1M");
        String why = refused("nbds://127.0.0.1:" + nbdkit.port + "/?tls-certificates=" + certs);
        assertTrue(why.contains("does not do TLS") && why.contains("not connecting in clear"), why);
        String log = nbdkit.output();
        assertTrue(log.contains("NBD_OPT_STARTTLS"), "the client asked for TLS first: " + log);
        assertFalse(log.contains("NBD_OPT_GO") || log.contains("NBD_OPT_STRUCTURED_REPLY")
                || log.contains("NBD_OPT_EXPORT_NAME"), "and sent nothing else in clear: " + log);
    }

    @Test
    void anEnbdServerWithTlsOffIsNeverUsedInClear() throws Exception {
        try (ServedDisk plain = new ServedDisk(peers.dir, 1 << 20, TlsPolicy.OFF, null, java.util.Map.of())) {
            Path certs = peers.dir.resolve("certs");
            CertificateAuthority.init(certs, List.of("localhost", "127.0.0.1"), "alice", TlsSetup.YEAR);
            String why = refused("nbds://127.0.0.1:" + plain.port() + "/disk?tls-certificates=" + certs);
            assertTrue(why.contains("NBD_REP_ERR_POLICY") && why.contains("not connecting in clear"), why);
        }
    }

    @Test
    void credentialsThatDoNotLoadAreAConfigurationErrorNamingTheFile() throws Exception {
        Path empty = Files.createDirectories(peers.dir.resolve("empty"));
        NbdException e = assertThrows(NbdException.class,
                () -> client.openRetrying("nbds://127.0.0.1:1/?tls-certificates=" + empty));
        assertTrue(e.getMessage().contains(empty.resolve("ca-cert.pem").toString()), e.getMessage());
        assertEquals(0, client.retries.get());
    }
}
