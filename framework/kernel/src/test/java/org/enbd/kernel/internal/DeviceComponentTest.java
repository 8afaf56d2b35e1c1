package org.enbd.kernel.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.annotation.Annotation;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.enbd.api.control.Status;
import org.enbd.api.control.StatusBoard;
import org.enbd.api.layer.Feature;
import org.enbd.api.stream.TransportRegistry;
import org.enbd.runtime.internal.NettyEventLoops;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The device component's life cycle on a host without the nbd driver: what it reports, and that it stops. */
class DeviceComponentTest {
    private final NettyEventLoops loops = new NettyEventLoops(1);
    private final Board board = new Board();
    /** No transport at all: the device keeps retrying, as with a server that cannot be reached. */
    private final TransportRegistry transports = TransportRegistry.of(List.of(), Map.of());

    @AfterEach
    void stop() {
        loops.close();
    }

    @Test
    void aBadUriFailsWithTheReasonUnderItsPid() throws Exception {
        DeviceComponent c = new DeviceComponent(config("not a uri", "/dev/nbd0"),
                Map.of("service.pid", "org.enbd.kernel.device~nbd0"), loops, board, transports);
        Status failed = board.await("org.enbd.kernel.device~nbd0", s -> s.state() == Status.State.FAILED,
                Duration.ofSeconds(10));
        assertTrue(failed.detail().startsWith("bad configuration"), failed.detail());
        assertEquals("/dev/nbd0", failed.attributes().get("device"));
        assertEquals("device", failed.kind());
        c.deactivate();
        assertEquals(Status.State.STOPPED, board.get("org.enbd.kernel.device~nbd0").orElseThrow().state());
    }

    @Test
    void startsReportingAndStopsCleanlyWhileStillConnecting() throws Exception {
        DeviceComponent c = new DeviceComponent(config("nbd://127.0.0.1:1/x", "/dev/nbd3"),
                Map.of("service.pid", "dev3"), loops, board, transports);
        assertEquals(Status.State.STARTING, board.reports.getFirst().state());
        assertEquals("nbd://127.0.0.1:1/x", board.reports.getFirst().attributes().get("server"));
        c.deactivate(); // joins the opener thread: no thread outlives the component
        Status last = board.get("dev3").orElseThrow();
        assertEquals(Status.State.STOPPED, last.state());
        assertTrue(board.reports.stream().noneMatch(s -> s.state() == Status.State.UP));
    }

    @Test
    void aChangeOfDeviceDetachesAndStartsAgainWhileAnUnconnectedDeviceRefusesActions() throws Exception {
        DeviceComponent c = new DeviceComponent(config("nbd://127.0.0.1:1/x", "/dev/nbd3"),
                Map.of("service.pid", "dev5"), loops, board, transports);
        var actions = c.actions();
        assertThrows(IllegalStateException.class, () -> actions.act("drop", "0"), "not connected yet");
        assertThrows(IllegalArgumentException.class, () -> actions.act("explode", null));
        c.modified(config("nbd://127.0.0.1:1/x", "/dev/nbd4"), Map.of("service.pid", "dev5"));
        assertTrue(board.reports.stream().anyMatch(s -> s.state() == Status.State.STOPPED
                && "/dev/nbd3".equals(s.attributes().get("device"))), "the first run stopped");
        assertTrue(board.reports.stream().anyMatch(s -> s.state() == Status.State.STARTING
                && "/dev/nbd4".equals(s.attributes().get("device"))), "a run for the new device started");
        c.deactivate();
        assertEquals(Status.State.STOPPED, board.get("dev5").orElseThrow().state());
    }

    @Test
    void aMissingFeatureIsWaitedForByNameBeforeAnythingConnects() throws Exception {
        DeviceComponent c = new DeviceComponent(config("nbd://127.0.0.1:1/x", "/dev/nbd4", "stats+cow"),
                Map.of("service.pid", "dev4"), loops, board, transports);
        Feature stats = (export, events) -> (next, session) -> next;
        c.addFeature(stats, Map.of(Feature.NAME, "stats"));
        Status waiting = board.await("dev4", s -> s.detail().equals("waiting for feature 'cow'"),
                Duration.ofSeconds(10));
        assertEquals(Status.State.STARTING, waiting.state());
        assertTrue(board.reports.stream().noneMatch(s -> s.detail().contains("retrying")),
                "no connection is tried while the stack cannot be built");
        c.deactivate();
        assertEquals(Status.State.STOPPED, board.get("dev4").orElseThrow().state());
    }

    private static DeviceConfig config(String uri, String device, String... features) {
        return new DeviceConfig() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return DeviceConfig.class;
            }

            @Override
            public String uri() {
                return uri;
            }

            @Override
            public int connections() {
                return 2;
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
            public String device() {
                return device;
            }

            @Override
            public long deadConnTimeoutS() {
                return 0;
            }

            @Override
            public boolean memlock() {
                return false;
            }

            @Override
            public String method() {
                return "AUTO";
            }

            @Override
            public boolean kernelSockets() {
                return false;
            }

            @Override
            public String[] features() {
                return features;
            }
        };
    }

    /** Records every report. */
    private static final class Board implements StatusBoard {
        final List<Status> reports = new CopyOnWriteArrayList<>();

        @Override
        public void report(Status status) {
            reports.add(status);
        }

        @Override
        public void remove(String id) {
        }

        @Override
        public List<Status> snapshot() {
            return List.copyOf(reports);
        }

        @Override
        public Optional<Status> get(String id) {
            return reports.reversed().stream().filter(s -> s.id().equals(id)).findFirst();
        }

        @Override
        public Status await(String id, Predicate<Status> until, Duration timeout)
                throws InterruptedException, TimeoutException {
            long end = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < end) {
                Optional<Status> s = get(id).filter(until);
                if (s.isPresent()) {
                    return s.get();
                }
                Thread.sleep(20);
            }
            throw new TimeoutException(id + ": " + get(id));
        }
    }
}
