package org.enbd.transport.ssl.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslHandler;
import java.nio.file.Path;
import java.util.List;
import org.enbd.api.stream.StreamSecurity;
import org.enbd.transport.ssl.credentials.CertificateAuthority;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two embedded channels, a JDK-JSSE client and this component's server, handshake through each other's bytes. */
class TlsSecurityTest {
    @TempDir
    Path dir;

    @Test
    void aClientWithACertificateOfTheCaGetsThroughAndItsNameBecomesTheIdentity() throws Exception {
        CertificateAuthority.init(dir, List.of("localhost", "127.0.0.1"), "alice", java.time.Duration.ofDays(1));
        try (TlsSecurity security = TlsSecurity.open(dir, true, null)) {
            EmbeddedChannel server = new EmbeddedChannel();
            SslHandler handler = serve(security, server);
            javax.net.ssl.SSLContext client = JdkClient.context(dir, "client");
            javax.net.ssl.SSLEngine engine = client.createSSLEngine("localhost", 10809);
            engine.setUseClientMode(true);
            EmbeddedChannel peer = new EmbeddedChannel(new SslHandler(engine));
            shuttle(peer, server);
            assertTrue(handler.handshakeFuture().isSuccess(), String.valueOf(handler.handshakeFuture().cause()));
            assertEquals("alice", server.attr(StreamSecurity.IDENTITY).get());
            peer.finishAndReleaseAll();
            server.finishAndReleaseAll();
        }
    }

    @Test
    void aClientThatOffersChaChaFirstIsServedWithAesGcmTheServersChoice() throws Exception {
        CertificateAuthority.init(dir, List.of("localhost"), "alice", java.time.Duration.ofDays(1));
        try (TlsSecurity security = TlsSecurity.open(dir, true, null)) {
            EmbeddedChannel server = new EmbeddedChannel();
            SslHandler handler = serve(security, server);
            javax.net.ssl.SSLEngine engine = JdkClient.context(dir, "client").createSSLEngine("localhost", 10809);
            engine.setUseClientMode(true);
            List<String> chachaFirst = new java.util.ArrayList<>(List.of(engine.getEnabledCipherSuites()));
            assertTrue(chachaFirst.remove("TLS_CHACHA20_POLY1305_SHA256"), chachaFirst.toString());
            chachaFirst.addFirst("TLS_CHACHA20_POLY1305_SHA256");
            engine.setEnabledCipherSuites(chachaFirst.toArray(String[]::new));
            EmbeddedChannel peer = new EmbeddedChannel(new SslHandler(engine));
            shuttle(peer, server);
            assertTrue(handler.handshakeFuture().isSuccess(), String.valueOf(handler.handshakeFuture().cause()));
            assertEquals("TLS_AES_128_GCM_SHA256", handler.engine().getSession().getCipherSuite());
            peer.finishAndReleaseAll();
            server.finishAndReleaseAll();
        }
    }

    @Test
    void enbdsOwnClientOffersAesGcmFirstAndGetsIt() throws Exception {
        CertificateAuthority.init(dir, List.of("localhost", "127.0.0.1"), "alice", java.time.Duration.ofDays(1));
        try (TlsSecurity security = TlsSecurity.open(dir, false, null)) {
            EmbeddedChannel server = new EmbeddedChannel();
            serve(security, server);
            StreamSecurity credentials = new ClientTls().credentials(org.enbd.api.stream.StreamAddress.parse(
                    "nbds://127.0.0.1:10809/disk?tls-certificates=" + dir));
            EmbeddedChannel client = new EmbeddedChannel();
            SslHandler clientHandler = (SslHandler) credentials.newHandler(client, StreamSecurity.Role.CLIENT, null);
            assertTrue(clientHandler.engine().getEnabledCipherSuites()[0].contains("_AES_128_GCM_"),
                    List.of(clientHandler.engine().getEnabledCipherSuites()).toString());
            client.pipeline().addFirst(clientHandler);
            shuttle(client, server);
            assertTrue(clientHandler.handshakeFuture().isSuccess(), String.valueOf(clientHandler.handshakeFuture().cause()));
            assertEquals("TLS_AES_128_GCM_SHA256", clientHandler.engine().getSession().getCipherSuite());
            client.finishAndReleaseAll();
            server.finishAndReleaseAll();
        }
    }

    @Test
    void aesGcmComesFirstAes128BeforeAes256AndTheRestKeepsItsOrder() {
        String[] ordered = CipherOrder.aesGcmFirst(new String[] {"TLS_CHACHA20_POLY1305_SHA256",
            "TLS_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "TLS_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"});
        assertEquals(List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"),
            List.of(ordered));
    }

    /** The component's server handler for {@code server}, first in its pipeline, as the listener adds it. */
    private static SslHandler serve(TlsSecurity security, EmbeddedChannel server) throws Exception {
        SslHandler handler = (SslHandler) security.newHandler(server, StreamSecurity.Role.SERVER, null);
        server.pipeline().addFirst(handler);
        return handler;
    }

    /** Passes bytes both ways until neither side has anything more to say. */
    static void shuttle(EmbeddedChannel a, EmbeddedChannel b) {
        for (int i = 0; i < 100; i++) {
            boolean moved = move(a, b) | move(b, a);
            a.runPendingTasks();
            b.runPendingTasks();
            if (!moved) {
                return;
            }
        }
    }

    private static boolean move(EmbeddedChannel from, EmbeddedChannel to) {
        boolean moved = false;
        Object o;
        while ((o = from.readOutbound()) != null) {
            moved = true;
            to.writeInbound(o);
        }
        return moved;
    }
}
