package org.enbd.itest.secure;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.enbd.server.ServerLimits;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 12: nbdcopy (libnbd, GnuTLS) pipelines 16 requests of 1 MiB over TLS to a server whose connection budget
 * holds two, so the request decoder holds most of the time and HeldReadGate drops the reads it asks for, behind
 * Netty's SslHandler (which reads on its own when a record is incomplete). Every request must still be answered
 * without the client sending more: a read lost between the gate, SslHandler and autoRead would leave the copy
 * waiting for bytes that never come (edge-triggered epoll), and it would not finish within the timeout.
 */
class TlsHeldDecoderTest {
    private static final long SIZE = 64L << 20;
    private static final int MIB = 1 << 20;
    private TlsSetup tls;

    @BeforeEach
    void start() throws Exception {
        Peers.require("nbdcopy");
        ServerLimits limits = ServerLimits.DEFAULT.withMaxPayload(MIB).withBudgets(2L * MIB,
                ServerLimits.DEFAULT.serverBudget());
        tls = new TlsSetup(SIZE, limits);
    }

    @AfterEach
    void stop() throws Exception {
        if (tls != null) {
            tls.close();
        }
    }

    @Test
    void pipelinedRequestsOverTlsAreAllAnsweredWhileTheDecoderHolds() throws Exception {
        Path source = tls.peers.source("source.img", SIZE, 12);
        Path back = tls.peers.dir.resolve("back.img");
        String[] pipelined = {"-C", "1", "--request-size=1048576", "--requests=16", "--queue-size=16777216"};
        assertEquals(0, tls.peers.run(Duration.ofSeconds(120), "up", concat("nbdcopy", pipelined, "-S", "0",
                source.toString(), tls.uri(tls.certs))), tls.peers.log("up"));
        assertEquals(0, tls.peers.run(Duration.ofSeconds(120), "down", concat("nbdcopy", pipelined, "--no-extents",
                tls.uri(tls.certs), back.toString())), tls.peers.log("down"));
        assertEquals(-1, Files.mismatch(source, back), "the image came back byte for byte");
    }

    private static String[] concat(String first, String[] middle, String... rest) {
        String[] all = new String[1 + middle.length + rest.length];
        all[0] = first;
        System.arraycopy(middle, 0, all, 1, middle.length);
        System.arraycopy(rest, 0, all, 1 + middle.length, rest.length);
        return all;
    }
}
