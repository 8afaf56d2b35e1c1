package org.enbd.launcher;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.enbd.transport.ssl.credentials.CertificateAuthority;
import org.enbd.transport.ssl.credentials.PskFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code enbd certs}: TLS credentials for {@code enbd server --tls} and for qemu, nbdkit and libnbd, made here with
 * BouncyCastle (no openssl or certtool needed). Runs without the framework.
 */
@Command(name = "certs", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = "Make TLS credentials: a CA with server and client certificates, or PSK keys.",
        subcommands = {CertsCommand.Init.class, CertsCommand.Psk.class})
final class CertsCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "missing: init or psk");
    }

    /** {@code enbd certs init DIR}: the certificates directory qemu, nbdkit and libnbd read. */
    @Command(name = "init", mixinStandardHelpOptions = true, showDefaultValues = true, usageHelpAutoWidth = true,
            description = {"Write a new CA (ca-cert.pem, ca-key.pem), a server certificate (server-cert.pem, "
                    + "server-key.pem) and a client certificate (client-cert.pem, client-key.pem) into DIR: the "
                    + "layout of qemu's tls-creds-x509, nbdkit's --tls-certificates and libnbd's tls-certificates=.",
                    "Keys are ECDSA P-256, written with mode 0600. Keep ca-key.pem away from the servers."})
    static final class Init implements Callable<Integer> {
        @Parameters(paramLabel = "DIR", description = "The directory (made if absent; an existing CA is kept).")
        Path dir;

        @Option(names = "--server-name", paramLabel = "NAME", description = "A host name or IP address clients use "
                + "for the server; repeat for several (default: localhost, 127.0.0.1, ::1 and this host's name).")
        List<String> serverNames = new ArrayList<>();

        @Option(names = "--client", paramLabel = "NAME", defaultValue = "client", description = "The client "
                + "certificate's common name: the TLS identity an export's tls-identity=NAME admits.")
        String client;

        @Option(names = "--days", paramLabel = "N", defaultValue = "825", description = "Validity of every "
                + "certificate.")
        int days;

        @Override
        public Integer call() throws Exception {
            List<String> names = serverNames.isEmpty() ? defaultNames() : serverNames;
            CertificateAuthority.init(dir, names, client, Duration.ofDays(days));
            System.out.println("enbd: wrote a CA, a server certificate for " + String.join(", ", names)
                    + " and a client certificate for " + client + " in " + dir);
            return 0;
        }

        private static List<String> defaultNames() {
            List<String> names = new ArrayList<>(List.of("localhost", "127.0.0.1", "::1"));
            try {
                String host = java.net.InetAddress.getLocalHost().getHostName();
                if (!names.contains(host)) {
                    names.add(host);
                }
            } catch (java.net.UnknownHostException e) {
                // no name of its own: the loopback names serve
            }
            return names;
        }
    }

    /** {@code enbd certs psk FILE IDENTITY}: a key in psktool's format. */
    @Command(name = "psk", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
            description = "Add a random 256-bit key for IDENTITY to FILE (psktool's identity:hexkey format, mode 0600).")
    static final class Psk implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "FILE", description = "The keys file (made if absent).")
        Path file;

        @Parameters(index = "1", paramLabel = "IDENTITY", description = "The client's identity (its user name).")
        String identity;

        @Override
        public Integer call() throws Exception {
            PskFile.add(file, identity);
            System.out.println("enbd: added a key for " + identity + " to " + file);
            return 0;
        }
    }
}
