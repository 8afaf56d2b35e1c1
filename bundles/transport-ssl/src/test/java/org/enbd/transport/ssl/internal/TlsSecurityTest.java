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
            SslHandler handler = (SslHandler) security.newHandler(server, StreamSecurity.Role.SERVER, null);
            server.pipeline().addFirst(handler);
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
