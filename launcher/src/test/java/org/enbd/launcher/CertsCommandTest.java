package org.enbd.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code enbd certs}: files in the layout qemu, nbdkit and libnbd read, keys private, nothing overwritten. */
class CertsCommandTest {
    @TempDir
    Path dir;

    @Test
    void initWritesTheCaAndAServerAndAClientCertificateWithPrivateKeys() throws Exception {
        Path certs = dir.resolve("tls");
        Cli cli = Cli.run("certs", "init", certs.toString(), "--client", "alice", "--server-name", "nbd.example");
        assertEquals(0, cli.exit(), cli.err());
        for (String file : new String[] {"ca-cert.pem", "server-cert.pem", "client-cert.pem"}) {
            assertTrue(Files.readString(certs.resolve(file)).startsWith("-----BEGIN CERTIFICATE-----"), file);
        }
        for (String file : new String[] {"ca-key.pem", "server-key.pem", "client-key.pem"}) {
            assertTrue(Files.readString(certs.resolve(file)).startsWith("-----BEGIN PRIVATE KEY-----"), file);
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(certs.resolve(file))));
        }
        try (var in = Files.newInputStream(certs.resolve("client-cert.pem"))) {
            var client = (java.security.cert.X509Certificate) java.security.cert.CertificateFactory
                    .getInstance("X.509").generateCertificate(in);
            assertEquals("CN=alice", client.getSubjectX500Principal().getName());
        }
    }

    @Test
    void initKeepsACaThatIsThere() throws Exception {
        assertEquals(0, Cli.run("certs", "init", dir.toString()).exit());
        String ca = Files.readString(dir.resolve("ca-cert.pem"));
        Cli again = Cli.run("certs", "init", dir.toString());
        assertEquals(1, again.exit());
        assertTrue(again.err().contains("exists already"), again.err());
        assertEquals(ca, Files.readString(dir.resolve("ca-cert.pem")));
    }

    @Test
    void pskAddsAKeyPerIdentityInPsktoolFormat() throws Exception {
        Path keys = dir.resolve("keys.psk");
        assertEquals(0, Cli.run("certs", "psk", keys.toString(), "alice").exit());
        assertEquals(0, Cli.run("certs", "psk", keys.toString(), "bob").exit());
        var lines = Files.readAllLines(keys);
        assertEquals(2, lines.size());
        assertTrue(lines.get(0).matches("alice:[0-9a-f]{64}"), lines.get(0));
        assertTrue(lines.get(1).matches("bob:[0-9a-f]{64}"), lines.get(1));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keys)));
        Cli twice = Cli.run("certs", "psk", keys.toString(), "alice");
        assertEquals(1, twice.exit());
        assertTrue(twice.err().contains("already"), twice.err());
    }
}
