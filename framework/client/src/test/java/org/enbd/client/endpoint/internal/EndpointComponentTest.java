package org.enbd.client.endpoint.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.annotation.Annotation;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.enbd.api.control.Status;
import org.enbd.api.layer.Feature;
import org.enbd.api.stream.TransportRegistry;
import org.enbd.runtime.internal.MemoryStatusBoard;
import org.enbd.runtime.internal.NettyEventLoops;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The endpoint component's life cycle with no network: what it reports while its stack cannot be built. */
class EndpointComponentTest {
    private final NettyEventLoops loops = new NettyEventLoops(1);
    private final MemoryStatusBoard board = new MemoryStatusBoard();
    /** No transport at all: nothing could connect even if something tried. */
    private final TransportRegistry transports = TransportRegistry.of(List.of(), Map.of());

    @AfterEach
    void stop() {
        loops.close();
    }

    @Test
    void aMissingFeatureIsWaitedForByNameBeforeAnythingConnects() throws Exception {
        EndpointComponent c = new EndpointComponent(config("cow+stats"), Map.of("service.pid", "ep1"), null, loops,
                board, transports);
        c.addFeature((export, events) -> (next, session) -> next, Map.of(Feature.NAME, "stats"));
        Status waiting = board.await("ep1", s -> s.detail().equals("waiting for feature 'cow'"),
                Duration.ofSeconds(10));
        assertEquals(Status.State.STARTING, waiting.state());
        assertTrue(board.get("ep1/remote").isEmpty(), "no device was opened");
        c.deactivate();
        assertEquals(Status.State.STOPPED, board.get("ep1").orElseThrow().state());
    }

    @Test
    void aBadServeAddressFailsWithTheReason() {
        EndpointComponent c = new EndpointComponent(config("", "nowhere"), Map.of("service.pid", "ep2"), null,
                loops, board, transports);
        Status failed = board.get("ep2").orElseThrow();
        assertEquals(Status.State.FAILED, failed.state());
        assertTrue(failed.detail().startsWith("bad configuration"), failed.detail());
        c.deactivate();
    }

    @Test
    void actionsNeedAConnectedDeviceAndNameWhatTheyKnow() {
        EndpointComponent c = new EndpointComponent(config(""), Map.of("service.pid", "ep3"), null, loops, board,
                transports);
        var actions = c.actions();
        assertThrows(IllegalStateException.class, () -> actions.act("reconnect", null), "not connected yet");
        assertThrows(IllegalArgumentException.class, () -> actions.act("explode", null));
        assertThrows(IllegalStateException.class, () -> actions.act("disconnect", null), "no ConfigAdmin");
        c.deactivate();
    }

    @Test
    void aChangeThatCannotBeAppliedLiveStartsTheEndpointAgain() throws Exception {
        EndpointComponent c = new EndpointComponent(config("", "nowhere"), Map.of("service.pid", "ep4"), null,
                loops, board, transports);
        assertEquals(Status.State.FAILED, board.get("ep4").orElseThrow().state());
        c.addFeature((export, events) -> (next, session) -> next, Map.of(Feature.NAME, "stats"));
        c.modified(config("cow", "127.0.0.1:1"), Map.of("service.pid", "ep4"));
        Status waiting = board.await("ep4", s -> s.detail().equals("waiting for feature 'cow'"),
                Duration.ofSeconds(10));
        assertEquals(Status.State.STARTING, waiting.state(), "the new configuration runs");
        c.deactivate();
        assertEquals(Status.State.STOPPED, board.get("ep4").orElseThrow().state());
    }

    private static EndpointConfig config(String features) {
        return config(features, "127.0.0.1:1");
    }

    private static EndpointConfig config(String features, String serve) {
        return new EndpointConfig() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return EndpointConfig.class;
            }

            @Override
            public String uri() {
                return "nbd://127.0.0.1:1/x";
            }

            @Override
            public int connections() {
                return 1;
            }

            @Override
            public String serve() {
                return serve;
            }

            @Override
            public long stallTimeoutMs() {
                return 10_000;
            }

            @Override
            public long deadTimeMs() {
                return 60_000;
            }

            @Override
            public long reconnectMaxMs() {
                return 200;
            }

            @Override
            public int queueLimit() {
                return 1024;
            }

            @Override
            public String[] features() {
                return features.isEmpty() ? new String[0] : new String[] {features};
            }
        };
    }
}
