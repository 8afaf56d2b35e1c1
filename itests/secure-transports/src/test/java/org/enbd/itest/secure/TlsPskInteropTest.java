package org.enbd.itest.secure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.enbd.transport.ssl.credentials.PskFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * ENBD-J's TLS-PSK server (bctls's own protocol engine behind a Netty handler) driven by libnbd and qemu-img
 * (GnuTLS) with psktool-format keys: the identity's key carries a copy byte for byte; a wrong key and an unknown
 * identity are refused, and the server says which.
 */
class TlsPskInteropTest {
    private static final long SIZE = 16L << 20;
    private TlsSetup tls;
    private Path keys;

    @BeforeEach
    void start() throws Exception {
        Peers.require("nbdinfo");
        tls = TlsSetup.psk(SIZE, "alice");
        keys = tls.certs.resolve("keys.psk");
    }

    @AfterEach
    void stop() throws Exception {
        if (tls != null) {
            tls.close();
        }
    }

    @Test
    void nbdinfoAndNbdcopyWithTheIdentitysKey() throws Exception {
        assertEquals(0, tls.peers.run(Duration.ofSeconds(30), "info", "nbdinfo", tls.pskUri("alice", keys)),
                tls.peers.log("info"));
        assertTrue(tls.peers.log("info").contains("with TLS"), tls.peers.log("info"));
        Peers.require("nbdcopy");
        Path source = tls.peers.source("source.img", SIZE, 5);
        Path back = tls.peers.dir.resolve("back.img");
        assertEquals(0, tls.peers.run(Duration.ofSeconds(60), "up", "nbdcopy", source.toString(),
                tls.pskUri("alice", keys)), tls.peers.log("up"));
        assertEquals(0, tls.peers.run(Duration.ofSeconds(60), "down", "nbdcopy", tls.pskUri("alice", keys),
                back.toString()), tls.peers.log("down"));
        assertEquals(-1, Files.mismatch(source, back), "the image came back byte for byte");
    }

    @Test
    void qemuImgWithTlsCredsPsk() throws Exception {
        Peers.require("qemu-img");
        // qemu reads DIR/keys.psk and takes the identity as username
        String object = "tls-creds-psk,id=tls0,endpoint=client,dir=" + tls.certs + ",username=alice";
        String target = "driver=nbd,host=127.0.0.1,port=" + tls.server.port() + ",export=disk,tls-creds=tls0";
        assertEquals(0, tls.peers.run(Duration.ofSeconds(30), "info", "qemu-img", "info", "--object", object,
                "--image-opts", target), tls.peers.log("info"));
        assertTrue(tls.peers.log("info").contains(Long.toString(SIZE)), tls.peers.log("info"));
    }

    @Test
    void aWrongKeyIsRefused() throws Exception {
        Path wrong = tls.peers.dir.resolve("wrong.psk");
        PskFile.add(wrong, "alice"); // another random key under the same identity
        int rc = tls.peers.run(Duration.ofSeconds(30), "wrong", "nbdinfo", tls.pskUri("alice", wrong));
        assertNotEquals(0, rc, tls.peers.log("wrong"));
        String failure = tls.lastFailure("the client's key for 'alice' is not the one in");
        assertTrue(failure.contains("the client's key for 'alice' is not the one in"), failure);
    }

    @Test
    void anUnknownIdentityIsRefused() throws Exception {
        Path mallory = tls.peers.dir.resolve("mallory.psk");
        PskFile.add(mallory, "mallory");
        int rc = tls.peers.run(Duration.ofSeconds(30), "unknown", "nbdinfo", tls.pskUri("mallory", mallory));
        assertNotEquals(0, rc, tls.peers.log("unknown"));
        String failure = tls.lastFailure("unknown PSK identity 'mallory'");
        assertTrue(failure.contains("unknown PSK identity 'mallory'"), failure);
    }
}
