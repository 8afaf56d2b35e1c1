package org.enbd.itest.secure;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A real OpenSSH sshd on 127.0.0.1, free port, with its own configuration, host key, client key and
 * authorized_keys in a temporary directory: public keys only, TCP and stream-local forwarding allowed, verbose
 * log (one "Accepted publickey" line per session). It can be killed with every session process it forked, and
 * started again on the same port with the same host key.
 */
final class Sshd {
    static final String SSHD = "/usr/sbin/sshd";
    private final Peers peers;
    final Path dir;
    final int port;
    final Path config;
    /** The client's ed25519 key, in authorized_keys. */
    final Path clientKey;
    /** A known_hosts file holding this server's real host key. */
    final Path knownHosts;
    private Process process;

    private Sshd(Peers peers, Path dir, int port) {
        this.peers = peers;
        this.dir = dir;
        this.port = port;
        this.config = dir.resolve("sshd_config");
        this.clientKey = dir.resolve("id_ed25519");
        this.knownHosts = dir.resolve("known_hosts");
    }

    static Sshd start(Peers peers) throws IOException, InterruptedException {
        Peers.require(SSHD);
        Peers.require("ssh-keygen");
        Path dir = Files.createDirectories(peers.dir.resolve("sshd"));
        Sshd sshd = new Sshd(peers, dir, Peers.freePort());
        sshd.keygen("ed25519", dir.resolve("ssh_host_ed25519_key"));
        sshd.keygen("ed25519", sshd.clientKey);
        sshd.keygen("rsa", dir.resolve("id_rsa"));
        Files.writeString(dir.resolve("authorized_keys"), Files.readString(dir.resolve("id_ed25519.pub"))
                + Files.readString(dir.resolve("id_rsa.pub")));
        Files.writeString(sshd.knownHosts, sshd.knownHostsLine(dir.resolve("ssh_host_ed25519_key.pub")));
        Files.writeString(sshd.config, String.join("\n",
                "Port " + sshd.port,
                "ListenAddress 127.0.0.1",
                "HostKey " + dir.resolve("ssh_host_ed25519_key"),
                "PidFile " + dir.resolve("sshd.pid"),
                "AuthorizedKeysFile " + dir.resolve("authorized_keys"),
                "AllowUsers " + System.getProperty("user.name"),
                "PubkeyAuthentication yes",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "UsePAM no",
                "StrictModes no",
                "PermitRootLogin prohibit-password",
                "AllowTcpForwarding yes",
                "AllowStreamLocalForwarding yes",
                "MaxSessions 64",
                "LogLevel VERBOSE",
                ""));
        // the privilege separation directory, which systemd makes at boot and a container may lack
        if ("root".equals(System.getProperty("user.name")) && !Files.isDirectory(Path.of("/run/sshd"))) {
            Files.createDirectories(Path.of("/run/sshd"));
        }
        sshd.start();
        return sshd;
    }

    /** Starts (again) on the same port with the same keys, and waits until it accepts. */
    void start() throws IOException, InterruptedException {
        process = peers.start("sshd", SSHD, "-D", "-e", "-f", config.toString());
        Peers.awaitPort(port, Duration.ofSeconds(20));
    }

    /** SIGKILL to the daemon and to every session process it forked: every client connection drops. */
    void kill() throws InterruptedException {
        Peers.killTree(process);
    }

    /** Sessions sshd accepted so far (its log's "Accepted publickey" lines). */
    long sessionsAccepted() {
        return peers.log("sshd").lines().filter(l -> l.contains("Accepted publickey")).count();
    }

    String log() {
        return peers.log("sshd");
    }

    /** {@code [127.0.0.1]:PORT TYPE KEY}: the known_hosts line for the public key in {@code pub}. */
    String knownHostsLine(Path pub) throws IOException {
        String[] key = Files.readString(pub).trim().split("\\s+");
        return "[127.0.0.1]:" + port + " " + key[0] + " " + key[1] + "\n";
    }

    /** A new key pair of {@code type} at {@code file} (and {@code file.pub}), without a passphrase. */
    Path keygen(String type, Path file) throws IOException, InterruptedException {
        peers.must("ssh-keygen", "ssh-keygen", "-q", "-t", type, "-N", "", "-C", "enbd-itest", "-f", file.toString());
        return file;
    }
}
