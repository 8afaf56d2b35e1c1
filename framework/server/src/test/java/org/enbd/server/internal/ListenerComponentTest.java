package org.enbd.server.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.enbd.api.control.Status;
import org.enbd.api.stream.Listener;
import org.enbd.api.stream.StreamAddress;
import org.enbd.api.stream.Transport;
import org.enbd.runtime.internal.MemoryStatusBoard;
import org.enbd.runtime.internal.ServiceTransportRegistry;
import org.junit.jupiter.api.Test;

/** The listener component built by hand, as SCR would, on the framework's registry with transports that come and go. */
class ListenerComponentTest {
    private final MemoryStatusBoard board = new MemoryStatusBoard();
    private final ServiceTransportRegistry transports = new ServiceTransportRegistry();
    private static final String PID = "org.enbd.server.listener~t";
    /** A port the fake transport finds taken. */
    private static final int BUSY_PORT = 10899;

    private static ListenerComponent.Config config(String address, String tls) {
        return (ListenerComponent.Config) Proxy.newProxyInstance(ListenerComponent.Config.class.getClassLoader(),
                new Class<?>[] {ListenerComponent.Config.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "address" -> address;
                    case "maxPayload" -> 32 << 20;
                    case "maxInFlight" -> 128;
                    case "tls" -> tls;
                    default -> method.getDefaultValue();
                });
    }

    private Status status() {
        return board.get(PID).orElseThrow();
    }

    @Test
    void waitsForATransportThenReportsWhereItListens() {
        ListenerComponent listener = new ListenerComponent(board, transports, null,
                config("nbd://127.0.0.1:10809", "off"), Map.of("service.pid", PID));
        assertEquals(Status.State.STARTING, status().state());
        Transport unix = new FakeTransport(null);
        transports.add(unix, List.of("nbd+unix"));
        assertEquals(Status.State.STARTING, status().state(), "a transport for another scheme does not do");
        FakeTransport tcp = new FakeTransport(null);
        transports.add(tcp, List.of("nbd", "nbd+unix"));
        assertEquals(Status.State.UP, status().state());
        assertEquals("listening on 127.0.0.1:10809", status().detail());
        transports.remove(tcp);
        assertEquals(Status.State.STARTING, status().state());
        listener.deactivate();
        assertTrue(board.get(PID).isEmpty());
        transports.add(new FakeTransport(null), List.of("nbd"));
        assertTrue(board.get(PID).isEmpty(), "a deactivated listener hears no more changes");
    }

    @Test
    void aPortInUseIsReportedAsFailed() {
        ListenerComponent listener = new ListenerComponent(board, transports, null,
                config("nbd://127.0.0.1:10809", "off"), Map.of("service.pid", PID));
        transports.add(new FakeTransport("cannot listen on 127.0.0.1:10809: Address already in use"), List.of("nbd"));
        assertEquals(Status.State.FAILED, status().state());
        assertTrue(status().detail().contains("Address already in use"), status().detail());
        listener.deactivate();
    }

    @Test
    void tlsRequiredWithoutAProviderWaitsForOneInsteadOfListening() {
        FakeTransport transport = new FakeTransport(null);
        transports.add(transport, List.of("nbd"));
        ListenerComponent listener = new ListenerComponent(board, transports, null,
                config("nbd://127.0.0.1:10809", "require"), Map.of("service.pid", PID));
        assertEquals(Status.State.STARTING, status().state());
        assertTrue(status().detail().contains("waiting for a TLS provider"), status().detail());
        transports.add(new FakeTransport(null), List.of("nbd"));
        assertEquals(Status.State.STARTING, status().state(), "a transport change does not make it listen in clear");
        assertEquals(0, transport.listening());
        listener.deactivate();
    }

    @Test
    void aTransportAlreadyPresentIsUsedAtOnceAndAReplacementTakesOver() {
        FakeTransport first = new FakeTransport(null);
        FakeTransport second = new FakeTransport(null);
        transports.add(first, List.of("nbd"));
        transports.add(second, List.of("nbd"));
        ListenerComponent listener = new ListenerComponent(board, transports, null,
                config("nbd://127.0.0.1:10809", "off"), Map.of("service.pid", PID));
        assertEquals(Status.State.UP, status().state());
        assertEquals(1, first.listening());
        transports.remove(first);
        assertEquals(Status.State.UP, status().state(), "the second transport for the scheme took over");
        assertEquals(0, first.listening(), "the listener through the first was closed");
        assertEquals(1, second.listening());
        listener.deactivate();
        assertEquals(0, second.listening());
    }

    @Test
    void aBadAddressFailsAtOnce() {
        new ListenerComponent(board, transports, null, config("nbd+unix:///x", "off"), Map.of("service.pid", PID));
        assertEquals(Status.State.FAILED, status().state());
        assertTrue(status().detail().contains("socket="), status().detail());
    }

    @Test
    void aNewAddressIsBoundBeforeTheOldOneLetsGo() {
        FakeTransport tcp = new FakeTransport(null);
        transports.add(tcp, List.of("nbd"));
        ListenerComponent listener = new ListenerComponent(board, transports, null,
                config("nbd://127.0.0.1:10809", "off"), Map.of("service.pid", PID));
        listener.modified(config("nbd://127.0.0.1:10810", "off"));
        assertEquals(Status.State.UP, status().state());
        assertEquals("listening on 127.0.0.1:10810 (moved from 127.0.0.1:10809)", status().detail());
        assertEquals(1, tcp.listening(), "the old one closed once the new one was bound");
        listener.deactivate();
        assertEquals(0, tcp.listening());
    }

    @Test
    void aChangeThatCannotBeAppliedLeavesTheOldListenerServingAndSaysWhy() {
        FakeTransport tcp = new FakeTransport(null);
        transports.add(tcp, List.of("nbd"));
        ListenerComponent listener = new ListenerComponent(board, transports, null,
                config("nbd://127.0.0.1:10809", "off"), Map.of("service.pid", PID));
        listener.modified(config("nbd://127.0.0.1:" + BUSY_PORT, "off"));
        assertEquals(Status.State.FAILED, status().state());
        assertTrue(status().detail().contains("Address already in use") && status().detail().contains(
                "nbd://127.0.0.1:" + BUSY_PORT) && status().detail().endsWith("still listening on 127.0.0.1:10809"),
                status().detail());
        assertEquals(1, tcp.listening(), "the old listener still serves");

        listener.modified(config("nbd://127.0.0.1:10809", "bogus"));
        assertTrue(status().detail().contains("tls must be off, on (optional) or require"), status().detail());
        listener.modified(config("nbd+vsock://2:10809", "off"));
        assertTrue(status().detail().contains("no transport serves nbd+vsock://"), status().detail());
        listener.modified(config("nbd://127.0.0.1:10809", "require"));
        assertTrue(status().detail().contains("needs a TLS provider"), status().detail());
        assertEquals(1, tcp.listening());

        listener.modified(config("nbd://127.0.0.1:10811", "off"));
        assertEquals(Status.State.UP, status().state(), "a good change after bad ones applies");
        listener.deactivate();
    }

    @Test
    void aListenerThatFailedStartsOverWithTheNewConfiguration() {
        FakeTransport tcp = new FakeTransport(null);
        transports.add(tcp, List.of("nbd"));
        ListenerComponent listener = new ListenerComponent(board, transports, null,
                config("nbd://127.0.0.1:" + BUSY_PORT, "off"), Map.of("service.pid", PID));
        assertEquals(Status.State.FAILED, status().state());
        listener.modified(config("nbd://127.0.0.1:10812", "off"));
        assertEquals("listening on 127.0.0.1:10812", status().detail());
        listener.deactivate();
    }

    /** Binds without a socket, or fails with {@code failure}; counts the listeners open. */
    private static final class FakeTransport implements Transport {
        private final String failure;
        private final AtomicInteger open = new AtomicInteger();

        FakeTransport(String failure) {
            this.failure = failure;
        }

        int listening() {
            return open.get();
        }

        @Override
        public String name() {
            return "fake";
        }

        @Override
        public CompletionStage<Channel> connect(StreamAddress to, ChannelHandler initializer) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Listener listen(StreamAddress at, ChannelHandler initializer) throws IOException {
            if (failure != null) {
                throw new IOException(failure);
            }
            if (at.port() == BUSY_PORT) {
                throw new IOException("cannot listen on " + at.host() + ":" + at.port() + ": Address already in use");
            }
            open.incrementAndGet();
            return new Listener() {
                @Override
                public SocketAddress localAddress() {
                    return new InetSocketAddress(at.host(), at.port());
                }

                @Override
                public void close() {
                    open.decrementAndGet();
                }
            };
        }
    }
}
