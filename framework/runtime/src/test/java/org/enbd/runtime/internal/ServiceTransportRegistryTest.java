package org.enbd.runtime.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import java.lang.annotation.Annotation;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.enbd.api.stream.StreamAddress;
import org.enbd.api.stream.Transport;
import org.enbd.api.stream.TransportRegistry;
import org.junit.jupiter.api.Test;

/** The registry service as SCR drives it: transports bound and unbound, a configured choice, listeners told. */
class ServiceTransportRegistryTest {
    private final Transport tcp = new Named("tcp");
    private final Transport tcp2 = new Named("tcp2");

    @Test
    void bindsBySchemePropertyAndForgetsOnUnbind() {
        ServiceTransportRegistry registry = new ServiceTransportRegistry(config());
        AtomicInteger changes = new AtomicInteger();
        TransportRegistry.Subscription subscription = registry.onChange(changes::incrementAndGet);
        registry.bindTransport(tcp, Map.of(Transport.SCHEMES, new String[] {"nbd", "NBD+UNIX"}));
        assertSame(tcp, registry.forAddress(StreamAddress.parse("nbd+unix:///?socket=/s")).orElseThrow());
        registry.bindTransport(tcp2, Map.of(Transport.SCHEMES, "nbd"));
        assertSame(tcp, registry.forScheme("nbd").orElseThrow(), "the first registered keeps the scheme");
        registry.unbindTransport(tcp);
        assertSame(tcp2, registry.forScheme("nbd").orElseThrow(), "until it goes away");
        assertTrue(registry.forScheme("nbd+unix").isEmpty());
        assertEquals(3, changes.get());
        subscription.close();
        registry.unbindTransport(tcp2);
        assertEquals(3, changes.get(), "a closed subscription hears nothing");
        assertEquals(List.of(), registry.transports());
    }

    @Test
    void aConfiguredChoiceOverridesTheOrderAndCanChange() {
        ServiceTransportRegistry registry = new ServiceTransportRegistry(config("nbd=tcp2", "malformed"));
        registry.bindTransport(tcp, Map.of(Transport.SCHEMES, "nbd"));
        assertTrue(registry.forScheme("nbd").isEmpty(), "the chosen transport is not there yet");
        registry.bindTransport(tcp2, Map.of(Transport.SCHEMES, "nbd"));
        assertSame(tcp2, registry.forScheme("nbd").orElseThrow());
        AtomicInteger changes = new AtomicInteger();
        registry.onChange(changes::incrementAndGet);
        registry.modified(config());
        assertSame(tcp, registry.forScheme("nbd").orElseThrow());
        assertEquals(1, changes.get());
        assertEquals(List.of("tcp", "tcp2"),
                registry.transports().stream().map(TransportRegistry.Entry::name).toList());
    }

    private static ServiceTransportRegistry.Config config(String... choices) {
        return new ServiceTransportRegistry.Config() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return ServiceTransportRegistry.Config.class;
            }

            @Override
            public String[] choose() {
                return choices;
            }
        };
    }

    private record Named(String name) implements Transport {
        @Override
        public CompletionStage<Channel> connect(StreamAddress to, ChannelHandler initializer) {
            throw new UnsupportedOperationException();
        }
    }
}
