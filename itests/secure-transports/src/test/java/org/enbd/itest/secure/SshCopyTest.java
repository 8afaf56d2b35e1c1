package org.enbd.itest.secure;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Duration;
import org.enbd.api.stream.StreamAddress;
import org.enbd.client.LocalEndpoint;
import org.enbd.client.RemoteDevice;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * qemu-img writes an image through ENBD-J's client, whose connections go through a real sshd (direct-tcpip to
 * the server's port, or direct-streamlocal to its Unix socket); qemu-img compare then reads the server directly:
 * the image must be there byte for byte. All of the device's connections share one SSH session.
 */
class SshCopyTest {
    private static final long SIZE = 32L << 20;
    private SshSetup ssh;
    private Path source;

    @BeforeEach
    void start() throws Exception {
        Peers.require("qemu-img");
        ssh = new SshSetup(SIZE);
        source = ssh.peers.source("source.img", SIZE, 12);
    }

    @AfterEach
    void stop() throws Exception {
        if (ssh != null) {
            ssh.close();
        }
    }

    @Test
    void aCopyThroughDirectTcpipLandsByteForByteOverOneSession() throws Exception {
        copyAndCompare(ssh.uri(""), 4);
        assertEquals(1, ssh.sshd.sessionsAccepted(), "four connections, one SSH session: " + ssh.sshd.log());
    }

    @Test
    void aCopyThroughDirectStreamlocalToTheServersSocketLandsByteForByte() throws Exception {
        copyAndCompare("nbd+ssh://" + System.getProperty("user.name") + "@127.0.0.1:" + ssh.sshd.port
                + "/disk?socket=" + ssh.server.socket, 2);
    }

    @Test
    void anRsaKeyLogsInToo() throws Exception {
        copyAndCompare(ssh.uri("&identity=" + ssh.sshd.dir.resolve("id_rsa")), 1);
        assertEquals(1, ssh.sshd.sessionsAccepted(), ssh.sshd.log());
    }

    private void copyAndCompare(String uri, int connections) throws Exception {
        Path socket = ssh.peers.dir.resolve("endpoint.sock");
        try (RemoteDevice device = ssh.client.open(SshClient.options(uri, connections));
             LocalEndpoint endpoint = LocalEndpoint.start(device, ssh.client.tcp,
                     StreamAddress.unix(socket.toString(), ""))) {
            assertEquals(SIZE, device.size());
            int rc = ssh.peers.run(Duration.ofSeconds(120), "convert", "qemu-img", "convert", "-n", "-W", "-f",
                    "raw", "-O", "raw", source.toString(), "nbd+unix:///?socket=" + socket);
            assertEquals(0, rc, ssh.peers.log("convert"));
            assertEquals(connections, device.connections());
        }
        int rc = ssh.peers.run(Duration.ofSeconds(60), "compare", "qemu-img", "compare", "-f", "raw", "-F", "raw",
                source.toString(), ssh.server.uri());
        assertEquals(0, rc, "the server holds exactly the source: " + ssh.peers.log("compare"));
    }
}
