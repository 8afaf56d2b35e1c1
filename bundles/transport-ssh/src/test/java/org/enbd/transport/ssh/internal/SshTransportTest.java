package org.enbd.transport.ssh.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.jcraft.jsch.JSch;
import com.jcraft.jsch.KeyPair;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.enbd.api.stream.PermanentStreamFailure;
import org.enbd.api.stream.StreamAddress;
import org.enbd.api.stream.StreamBridge;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SshTransportTest {
    @TempDir
    Path dir;
    private final AtomicInteger bridged = new AtomicInteger();
    private final StreamBridge bridge = (name, in, out, init) -> {
        bridged.incrementAndGet();
        return CompletableFuture.failedFuture(new AssertionError("nothing reaches the bridge here"));
    };
    private SshTransport transport;

    @AfterEach
    void close() {
        if (transport != null) {
            transport.close();
        }
    }

    private SshTransport transport(String knownHosts) {
        return transport(knownHosts, dir.resolve("id_ed25519").toString());
    }

    private SshTransport transport(String knownHosts, String identity) {
        transport = SshTransport.of(bridge, Path.of(knownHosts), Path.of(identity));
        return transport;
    }

    private Throwable failure(String uri) {
        CompletableFuture<?> stage = transport.connect(StreamAddress.parse(uri), new ChannelInboundHandlerAdapter())
                .toCompletableFuture();
        try {
            stage.join();
            throw new AssertionError("connect succeeded");
        } catch (CompletionException e) {
            return e.getCause();
        }
    }

    @Test
    void anUnusableUriFailsAtOnceAsPermanent() {
        transport(dir.resolve("known_hosts").toString());
        Throwable e = failure("nbd+ssh://host/disk?nbd-port=0");
        assertInstanceOf(PermanentStreamFailure.class, e);
        assertEquals(0, transport.sessionCount());
    }

    @Test
    void withoutAKnownHostsFileNothingIsTriedAndItSaysHowToMakeOne() {
        transport(dir.resolve("missing_known_hosts").toString());
        Throwable e = failure("nbd+ssh://alice@127.0.0.1:2222/disk");
        assertNotNull(PermanentStreamFailure.in(e), String.valueOf(e));
        assertTrue(e.getMessage().contains("ssh-keyscan -p 2222 127.0.0.1"), e.getMessage());
    }

    @Test
    void aNamedKeyThatDoesNotExistIsPermanent() throws Exception {
        Files.writeString(dir.resolve("known_hosts"), "");
        transport(dir.resolve("known_hosts").toString());
        Throwable e = failure("nbd+ssh://alice@127.0.0.1/disk?identity=" + dir.resolve("no_such_key"));
        assertNotNull(PermanentStreamFailure.in(e), String.valueOf(e));
        assertTrue(e.getMessage().contains("no_such_key"), e.getMessage());
    }

    @Test
    void aServerThatIsNotThereIsANetworkFailureToRetry() throws Exception {
        Files.writeString(dir.resolve("known_hosts"), "");
        Path key = dir.resolve("id_rsa");
        KeyPair pair = KeyPair.genKeyPair(new JSch(), KeyPair.RSA, 2048);
        pair.writePrivateKey(key.toString());
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        transport(dir.resolve("known_hosts").toString(), key.toString());
        Throwable e = failure("nbd+ssh://alice@127.0.0.1:" + port + "/disk");
        assertNull(PermanentStreamFailure.in(e), "a refused connection is retried: " + e);
        assertTrue(e.getMessage().contains("127.0.0.1:" + port), e.getMessage());
        assertEquals(0, bridged.get());
        assertEquals(0, transport.sessionCount(), "a failed setup is not kept");
    }
}
