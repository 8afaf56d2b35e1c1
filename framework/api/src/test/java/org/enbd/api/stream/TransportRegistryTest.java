package org.enbd.api.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

/** How the one registry chooses: by scheme, first registered first, a configured choice over both. */
class TransportRegistryTest {
    private final Transport tcp = new Named("tcp");
    private final Transport tcp2 = new Named("tcp2");
    private final Transport ssh = new Named("ssh");

    @Test
    void choosesByScheme() {
        TransportRegistry registry = TransportRegistry.of(List.of(new TransportRegistry.Entry(tcp, List.of("nbd",
                "nbd+unix")), new TransportRegistry.Entry(ssh, List.of("nbd+ssh"))), Map.of());
        assertSame(tcp, registry.forScheme("nbd").orElseThrow());
        assertSame(tcp, registry.forAddress(StreamAddress.parse("nbd+unix:///?socket=/s")).orElseThrow());
        assertSame(ssh, registry.forAddress(StreamAddress.parse("NBD+SSH://alice@host/disk")).orElseThrow());
        assertTrue(registry.forScheme("aoe").isEmpty());
        assertEquals(List.of("tcp", "ssh"), registry.transports().stream().map(TransportRegistry.Entry::name).toList());
    }

    @Test
    void theFirstRegisteredWinsUntilItGoesAway() {
        TransportRegistry both = TransportRegistry.of(List.of(new TransportRegistry.Entry(tcp, List.of("nbd")),
                new TransportRegistry.Entry(tcp2, List.of("nbd"))), Map.of());
        assertSame(tcp, both.forScheme("nbd").orElseThrow());
        TransportRegistry after = TransportRegistry.of(List.of(new TransportRegistry.Entry(tcp2, List.of("nbd"))),
                Map.of());
        assertSame(tcp2, after.forScheme("nbd").orElseThrow());
    }

    @Test
    void aConfiguredChoiceWinsAndIsNeverReplacedByChance() {
        List<TransportRegistry.Entry> entries = List.of(new TransportRegistry.Entry(tcp, List.of("nbd")),
                new TransportRegistry.Entry(tcp2, List.of("nbd")));
        assertSame(tcp2, TransportRegistry.of(entries, Map.of("nbd", "tcp2")).forScheme("nbd").orElseThrow());
        assertTrue(TransportRegistry.of(entries, Map.of("nbd", "quic")).forScheme("nbd").isEmpty(),
                "a chosen transport that is absent means no transport, not another one");
    }

    @Test
    void plainJavaRegistryOfOneTransport() {
        TransportRegistry registry = TransportRegistry.of(tcp, "nbd", "nbd+unix");
        assertSame(tcp, registry.forScheme("nbd+unix").orElseThrow());
        assertTrue(registry.forScheme("nbds").isEmpty());
        registry.onChange(() -> { }).close();
    }

    @Test
    void listenIsOptional() {
        IOException e = assertThrows(IOException.class, () -> ssh.listen(StreamAddress.parse("nbd+ssh://h/x"), null));
        assertEquals("transport ssh cannot listen (nbd+ssh://h/x)", e.getMessage());
        assertEquals(StreamAddress.NO_PORT, ssh.defaultPort());
    }

    /** A client-only transport: connect only. */
    private record Named(String name) implements Transport {
        @Override
        public CompletionStage<Channel> connect(StreamAddress to, ChannelHandler initializer) {
            throw new UnsupportedOperationException();
        }
    }
}
