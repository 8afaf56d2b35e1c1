package org.enbd.itest.secure;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * nbdkit (GnuTLS) as a TLS server on a port of 127.0.0.1: {@code --tls=require} with a certificates directory or a
 * psktool keys file, or without TLS at all; verbose, so a test can read what the server was asked.
 */
final class NbdkitTls {
    private final Peers peers;
    private final List<String> command;
    final int port;
    final String log;
    private Process process;

    private NbdkitTls(Peers peers, String log, int port, List<String> tls, String... plugin) {
        this.peers = peers;
        this.log = log;
        this.port = port;
        command = new ArrayList<>(List.of("nbdkit", "-f", "-v", "--exit-with-parent", "-i", "127.0.0.1", "-p",
                Integer.toString(port)));
        command.addAll(tls);
        command.addAll(List.of(plugin));
    }

    /** X.509 from {@code certs} (ca-cert.pem, server-cert.pem, server-key.pem), client certificates if asked. */
    static NbdkitTls x509(Peers peers, Path certs, boolean verifyPeer, String... plugin) throws Exception {
        return x509(peers, Peers.freePort(), certs, verifyPeer, plugin).start();
    }

    /** The same on {@code port}, not started yet. */
    static NbdkitTls x509(Peers peers, int port, Path certs, boolean verifyPeer, String... plugin) {
        List<String> tls = new ArrayList<>(List.of("--tls=require", "--tls-certificates=" + certs));
        if (verifyPeer) {
            tls.add("--tls-verify-peer");
        }
        return new NbdkitTls(peers, "nbdkit", port, tls, plugin);
    }

    /** TLS-PSK with the keys in {@code keys}. */
    static NbdkitTls psk(Peers peers, Path keys, String... plugin) throws Exception {
        return new NbdkitTls(peers, "nbdkit", Peers.freePort(), List.of("--tls=require", "--tls-psk=" + keys), plugin)
                .start();
    }

    /** No TLS at all ({@code --tls=off}). */
    static NbdkitTls plain(Peers peers, String... plugin) throws Exception {
        return new NbdkitTls(peers, "nbdkit", Peers.freePort(), List.of("--tls=off"), plugin).start();
    }

    NbdkitTls start() throws IOException, InterruptedException {
        Peers.require("nbdkit");
        process = peers.start(log, command.toArray(String[]::new));
        Peers.awaitPort(port, Duration.ofSeconds(30));
        return this;
    }

    /** kill -9 of nbdkit, with whatever it forked. */
    void kill() throws InterruptedException {
        Peers.killTree(process);
    }

    String output() {
        return peers.log(log);
    }
}
