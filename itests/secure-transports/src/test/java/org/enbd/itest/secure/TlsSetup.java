package org.enbd.itest.secure;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.enbd.api.control.Status;
import org.enbd.runtime.internal.MemoryStatusBoard;
import org.enbd.server.ServerLimits;
import org.enbd.server.TlsPolicy;
import org.enbd.transport.ssl.credentials.CertificateAuthority;
import org.enbd.transport.ssl.credentials.PskFile;
import org.enbd.transport.ssl.internal.TlsSecurity;

/**
 * An ENBD-J server that requires TLS, with credentials made by {@link CertificateAuthority} in the layout qemu,
 * nbdkit and libnbd read: {@code certs/} for the server (and for clients of the same CA), {@code client} is its
 * client certificate's name.
 */
final class TlsSetup implements AutoCloseable {
    static final Duration YEAR = Duration.ofDays(365);
    final Peers peers;
    final Path certs;
    final MemoryStatusBoard board = new MemoryStatusBoard();
    final TlsSecurity security;
    final ServedDisk server;

    /** Which credentials the server has. */
    private interface Credentials {
        TlsSecurity make(Path dir, MemoryStatusBoard board) throws Exception;
    }

    TlsSetup(long size, boolean verifyPeer, String client) throws Exception {
        this(size, verifyPeer, client, null);
    }

    /** {@code onlyFor}: the one TLS identity the export is for ({@code tls-identity=}), or null. */
    TlsSetup(long size, boolean verifyPeer, String client, String onlyFor) throws Exception {
        this(size, onlyFor, (certs, board) -> {
            CertificateAuthority.init(certs, List.of("localhost", "127.0.0.1"), client, YEAR);
            return TlsSecurity.open(certs, verifyPeer, board);
        });
    }

    /** X.509 without client certificates, and the server's {@code limits}. */
    TlsSetup(long size, ServerLimits limits) throws Exception {
        this(size, null, (certs, board) -> {
            CertificateAuthority.init(certs, List.of("localhost", "127.0.0.1"), "client", YEAR);
            return TlsSecurity.open(certs, false, board);
        }, limits);
    }

    private TlsSetup(long size, String onlyFor, Credentials credentials) throws Exception {
        this(size, onlyFor, credentials, ServerLimits.DEFAULT);
    }

    private TlsSetup(long size, String onlyFor, Credentials credentials, ServerLimits limits) throws Exception {
        peers = new Peers();
        try {
            certs = peers.dir.resolve("certs");
            security = credentials.make(certs, board);
            server = new ServedDisk(peers.dir, size, TlsPolicy.REQUIRED, security,
                    onlyFor == null ? Map.of() : Map.of("tls-identity", onlyFor), limits);
        } catch (Exception | Error e) {
            peers.close();
            throw e;
        }
    }

    /** A TLS-PSK server with the keys of {@code identities} in {@code certs/keys.psk} (psktool's name for it). */
    static TlsSetup psk(long size, String... identities) throws Exception {
        return new TlsSetup(size, null, (certs, board) -> {
            Files.createDirectories(certs);
            for (String identity : identities) {
                PskFile.add(certs.resolve("keys.psk"), identity);
            }
            return TlsSecurity.psk(certs.resolve("keys.psk"), board);
        });
    }

    /** {@code nbds://IDENTITY@127.0.0.1:PORT/disk?tls-psk-file=FILE} (libnbd's syntax). */
    String pskUri(String identity, Path keys) {
        return "nbds://" + identity + "@127.0.0.1:" + server.port() + "/disk?tls-psk-file=" + keys;
    }

    /** {@code nbds://127.0.0.1:PORT/disk?tls-certificates=DIR} (libnbd's syntax). */
    String uri(Path clientCerts) {
        return "nbds://127.0.0.1:" + server.port() + "/disk?tls-certificates=" + clientCerts;
    }

    /** A client directory of another CA (ca-cert.pem, client-cert.pem, client-key.pem), unknown to the server. */
    Path foreignClient(String name) throws Exception {
        Path dir = peers.dir.resolve("foreign-" + name);
        CertificateAuthority.init(dir, List.of("localhost", "127.0.0.1"), name, YEAR);
        return dir;
    }

    /** A client directory trusting the server's CA, with a client certificate of that CA for {@code name}. */
    Path client(String name, CertificateAuthority.Issued certificate) throws Exception {
        Path dir = Files.createDirectories(peers.dir.resolve("client-" + name));
        Files.copy(certs.resolve("ca-cert.pem"), dir.resolve("ca-cert.pem"));
        certificate.write(dir.resolve("client-cert.pem"), dir.resolve("client-key.pem"));
        return dir;
    }

    /** What the server's TLS reported last: its state, handshake counts and last failure. */
    Status status() {
        return board.get("tls").orElseThrow();
    }

    /** The server's account of the last failed handshake (peer and reason). */
    /**
     * The listener's last refused handshake, once it mentions {@code expected} (up to 10 s): the peer may exit on
     * the alert before the server has written down why it sent it.
     */
    String lastFailure(String expected) throws InterruptedException {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        String failure = String.valueOf(status().attributes().get("lastFailure"));
        while (!failure.contains(expected) && System.nanoTime() < deadline) {
            Thread.sleep(50);
            failure = String.valueOf(status().attributes().get("lastFailure"));
        }
        return failure;
    }

    @Override
    public void close() throws Exception {
        server.close();
        security.close();
        peers.close();
    }
}
