package org.enbd.kernel.internal;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import org.enbd.api.control.Status;
import org.enbd.api.control.StatusBoard;
import org.enbd.api.stream.StreamAddress;
import org.enbd.kernel.MemoryLock;
import org.enbd.kernel.direct.AttachRefused;
import org.enbd.kernel.direct.DirectKernelDevice;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A kernel device configured with {@code kernelSockets}: the kernel speaks to the server on sockets this run
 * connects and repairs ({@link DirectKernelDevice}); no client engine, relay or feature stack. Attaching waits for
 * the server as the engine's device does (DOWN, retrying with back-off); a refusal (no such export, TLS asked)
 * ends in FAILED. Its own thread; stop disconnects.
 */
final class DirectRun {
    private static final Logger LOG = LoggerFactory.getLogger(DirectRun.class);
    private static final String KIND = "device";

    private final String id;
    private final DeviceConfig config;
    private final StatusBoard board;
    private Thread thread;
    private volatile boolean stopping;
    private volatile DirectKernelDevice device;

    DirectRun(String id, DeviceConfig config, StatusBoard board) {
        this.id = id;
        this.config = config;
        this.board = board;
    }

    void start() {
        report(Status.State.STARTING, "connecting to " + config.uri() + " (kernel sockets)");
        thread = Thread.ofPlatform().name("enbd-device-" + id).daemon().start(this::run);
    }

    private void run() {
        int index;
        StreamAddress uri;
        try {
            if (!config.device().matches("/dev/nbd[0-9]+")) {
                throw new IllegalArgumentException("device must be /dev/nbdN: " + config.device());
            }
            if (config.features().length > 0) {
                throw new IllegalArgumentException("kernel sockets carry no feature stack (features "
                        + String.join("+", config.features()) + "): attach through the relay");
            }
            index = Integer.parseInt(config.device().substring("/dev/nbd".length()));
            uri = StreamAddress.parse(config.uri());
            if (config.memlock()) {
                MemoryLock.lockAll();
            }
        } catch (IOException | RuntimeException e) {
            fail("bad configuration: " + e.getMessage());
            return;
        }
        // the kernel holds requests while no socket is up for as long as the engine would wait: the dead time
        long deadS = Math.max(config.deadConnTimeoutS(), Math.max(1, config.deadTimeMs() / 1000));
        long delay = 200;
        while (!stopping) {
            try {
                device = DirectKernelDevice.attach(uri, index, Math.max(1, config.connections()),
                        Duration.ofSeconds(deadS), Duration.ofSeconds(30), Duration.ofMillis(config.reconnectMaxMs()));
                break;
            } catch (AttachRefused e) {
                fail(e.getMessage());
                return;
            } catch (IOException e) {
                report(Status.State.DOWN, "cannot attach yet: " + e.getMessage() + "; retrying");
                sleep(delay);
                delay = Math.min(delay * 2, Math.max(200, config.reconnectMaxMs()));
            }
        }
        while (!stopping && device != null && !device.released().isDone()) {
            DirectKernelDevice d = device;
            report(d.state().equals("UP") ? Status.State.UP : Status.State.DEGRADED, config.device() + " attached to "
                    + config.uri() + " with kernel sockets (" + d.reconnects() + " reconnects)");
            sleep(1000);
        }
        if (!stopping) {
            report(Status.State.STOPPED, config.device() + " was disconnected");
        }
    }

    private void report(Status.State state, String detail) {
        DirectKernelDevice d = device;
        board.report(new Status(id, KIND, state, detail, Map.of("device", config.device(), "server", config.uri(),
                "size", d == null ? 0L : d.size(), "reconnects", d == null ? 0L : d.reconnects(),
                "mode", "kernel-sockets", "state", state.name()), null));
    }

    private void fail(String reason) {
        LOG.error("{}: {}", id, reason);
        report(Status.State.FAILED, reason);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    void stop() {
        stopping = true;
        thread.interrupt();
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        DirectKernelDevice d = device;
        if (d != null) {
            try {
                d.close();
            } catch (IOException e) {
                LOG.warn("{}: detaching {}: {}", id, config.device(), e.getMessage());
            }
        }
        report(Status.State.STOPPED, config.device() + " detached");
    }
}
