package org.enbd.itest.secure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.enbd.api.NbdException;
import org.enbd.client.ClientOptions;
import org.enbd.client.RemoteDevice;
import org.enbd.client.TransportResolver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The server's host key is checked before anything else: a key that differs from the one recorded, or a server
 * that is not recorded at all, is refused on the first attempt with a message that says so and names the file,
 * and no login is even tried (sshd accepted no session); the engine does not retry it.
 */
class SshHostKeyTest {
    private SshSetup ssh;

    @BeforeEach
    void start() throws Exception {
        ssh = new SshSetup(1 << 20);
    }

    @AfterEach
    void stop() throws Exception {
        if (ssh != null) {
            ssh.close();
        }
    }

    @Test
    void aChangedHostKeyIsRefused() throws Exception {
        Path other = ssh.sshd.keygen("ed25519", ssh.peers.dir.resolve("impostor_host_key"));
        Path knownHosts = ssh.peers.dir.resolve("known_hosts_changed");
        Files.writeString(knownHosts, ssh.sshd.knownHostsLine(Path.of(other + ".pub")));
        AtomicInteger retries = new AtomicInteger();
        // what the endpoint and device components call: it retries network failures until the server is up
        NbdException e = assertThrows(NbdException.class, () -> RemoteDevice.openRetrying(options(knownHosts),
                TransportResolver.of(ssh.client.registry), ssh.client.loops, ssh.client.board, "ssh-device",
                () -> false, failure -> retries.incrementAndGet()));
        assertEquals(0, retries.get(), "a refused host key is never retried");
        assertTrue(e.getMessage().contains("host key has CHANGED"), e.getMessage());
        assertTrue(e.getMessage().contains(knownHosts.toString()), e.getMessage());
        assertEquals(0, ssh.sshd.sessionsAccepted(), "no login was tried: " + ssh.sshd.log());
    }

    @Test
    void anUnknownHostIsRefused() throws Exception {
        Path knownHosts = ssh.peers.dir.resolve("known_hosts_empty");
        Files.writeString(knownHosts, "");
        NbdException e = assertThrows(NbdException.class, () -> ssh.client.open(options(knownHosts)));
        assertTrue(e.getMessage().contains("host key is not in " + knownHosts), e.getMessage());
        assertTrue(e.getMessage().contains("ssh-keyscan -p " + ssh.sshd.port + " 127.0.0.1"), e.getMessage());
        assertEquals(0, ssh.sshd.sessionsAccepted(), "no login was tried: " + ssh.sshd.log());
    }

    @Test
    void theRecordedKeyIsAccepted() throws Exception {
        try (var device = ssh.client.open(options(ssh.sshd.knownHosts))) {
            assertEquals(1 << 20, device.size());
        }
        assertEquals(1, ssh.sshd.sessionsAccepted(), ssh.sshd.log());
    }

    private ClientOptions options(Path knownHosts) {
        return SshClient.options(ssh.uri("&known-hosts=" + knownHosts), 1);
    }
}
