package org.enbd.itest.client;

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
 * qemu-img convert writes an image through the local endpoint (nbd+unix) to each real server; qemu-img compare
 * then reads it back from the server directly: it must be the same, byte for byte.
 */
class CopyThroughEndpointTest {
    private static final long SIZE = 24L << 20;
    private Peers peers;
    private Engine engine;
    private Path source;

    @BeforeEach
    void start() throws Exception {
        Peers.require("qemu-img");
        peers = new Peers();
        engine = new Engine();
        source = Servers.source(peers.dir, "source.img", SIZE, 42);
    }

    @AfterEach
    void stop() throws Exception {
        engine.close();
        peers.close();
    }

    @Test
    void nbdkitMemory() throws Exception {
        int port = Peers.freePort();
        Servers.nbdkit(peers, port, "memory", Long.toString(SIZE));
        copyAndCompare("nbd://127.0.0.1:" + port + "/");
    }

    @Test
    void qemuNbdFile() throws Exception {
        int port = Peers.freePort();
        Servers.qemuNbd(peers, port, Servers.blank(peers.dir, "qemu.img", SIZE));
        copyAndCompare("nbd://127.0.0.1:" + port + "/disk");
    }

    @Test
    void nbdServerFile() throws Exception {
        int port = Peers.freePort();
        Servers.nbdServer(peers, port, Servers.blank(peers.dir, "nbd-server.img", SIZE));
        copyAndCompare("nbd://127.0.0.1:" + port + "/disk");
    }

    @Test
    void enbdServerMemory() throws Exception {
        int port = Peers.freePort();
        try (Servers.Running server = Servers.enbd(engine, port, SIZE)) {
            copyAndCompare(server.uri());
        }
    }

    private void copyAndCompare(String direct) throws Exception {
        Path socket = peers.dir.resolve("endpoint.sock");
        try (RemoteDevice device = engine.open(Engine.options(direct).withConnections(2));
             LocalEndpoint endpoint = LocalEndpoint.start(device, engine.tcp, StreamAddress.unix(socket.toString(), ""))) {
            assertEquals(SIZE, device.size());
            String local = "nbd+unix:///?socket=" + socket;
            int rc = peers.run(Duration.ofSeconds(90), "convert", "qemu-img", "convert", "-n", "-f", "raw", "-O", "raw",
                    "-W", source.toString(), local);
            assertEquals(0, rc, peers.log("convert"));
        }
        int rc = peers.run(Duration.ofSeconds(60), "compare", "qemu-img", "compare", "-f", "raw", "-F", "raw",
                source.toString(), direct);
        assertEquals(0, rc, "the server holds exactly the source: " + peers.log("compare"));
    }
}
