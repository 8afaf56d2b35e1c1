package org.enbd.server.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.enbd.api.control.Status;
import org.enbd.api.stream.Listener;
import org.enbd.api.stream.StreamAddress;
import org.enbd.api.stream.Transport;
import org.enbd.runtime.internal.MemoryStatusBoard;
import org.junit.jupiter.api.Test;

/** The listener component built by hand, as SCR would, with transports that bind or fail. */
class ListenerComponentTest {
    private final MemoryStatusBoard board = new MemoryStatusBoard();
    private static final String PID = "org.enbd.server.listener~t";

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
        ListenerComponent listener = new ListenerComponent(board, config("nbd://127.0.0.1:10809", "off"),
                Map.of("service.pid", PID));
        assertEquals(Status.State.STARTING, status().state());
        Transport unix = new FakeTransport(null);
        listener.bindTransport(unix, Map.of(Transport.SCHEMES, new String[] {"nbd+unix"}));
        assertEquals(Status.State.STARTING, status().state(), "a transport for another scheme does not do");
        Transport tcp = new FakeTransport(null);
        listener.bindTransport(tcp, Map.of(Transport.SCHEMES, new String[] {"nbd", "nbd+unix"}));
        assertEquals(Status.State.UP, status().state());
        assertEquals("listening on 127.0.0.1:10809", status().detail());
        listener.unbindTransport(tcp);
        assertEquals(Status.State.STARTING, status().state());
        listener.deactivate();
        assertTrue(board.get(PID).isEmpty());
    }

    @Test
    void aPortInUseIsReportedAsFailed() {
        ListenerComponent listener = new ListenerComponent(board, config("nbd://127.0.0.1:10809", "off"),
                Map.of("service.pid", PID));
        listener.bindTransport(new FakeTransport("cannot listen on 127.0.0.1:10809: Address already in use"),
                Map.of(Transport.SCHEMES, "nbd"));
        assertEquals(Status.State.FAILED, status().state());
        assertTrue(status().detail().contains("Address already in use"), status().detail());
        listener.deactivate();
    }

    @Test
    void tlsRequiredWithoutAProviderFails() {
        ListenerComponent listener = new ListenerComponent(board, config("nbd://127.0.0.1:10809", "required"),
                Map.of("service.pid", PID));
        listener.bindTransport(new FakeTransport(null), Map.of(Transport.SCHEMES, "nbd"));
        assertEquals(Status.State.FAILED, status().state());
        assertTrue(status().detail().contains("tls=required"), status().detail());
        listener.deactivate();
    }

    @Test
    void aBadAddressFailsAtOnce() {
        new ListenerComponent(board, config("nbd+unix:///x", "off"), Map.of("service.pid", PID));
        assertEquals(Status.State.FAILED, status().state());
        assertTrue(status().detail().contains("socket="), status().detail());
    }

    /** Binds without a socket, or fails with {@code failure}. */
    private record FakeTransport(String failure) implements Transport {
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
            return new Listener() {
                @Override
                public SocketAddress localAddress() {
                    return new InetSocketAddress(at.host(), at.port());
                }

                @Override
                public void close() {
                }
            };
        }
    }
}
