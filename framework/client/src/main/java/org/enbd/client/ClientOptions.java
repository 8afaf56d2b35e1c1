package org.enbd.client;

import java.time.Duration;
import java.util.Objects;
import org.enbd.api.stream.StreamAddress;

/**
 * How a {@link RemoteDevice} reaches its server and how hard it tries (the ENBD client daemon's options).
 *
 * @param uri             the remote export, e.g. {@code nbd://host:10809/disk} or {@code nbd+unix:///disk?socket=/s}
 * @param connections     connections to keep open; 0 = auto: 4 when the server advertises CAN_MULTI_CONN, else 1
 * @param stallTimeout    a connection with requests outstanding and no reply for this long is stalled: its requests
 *                        are retracted and resubmitted on another connection
 * @param deadTime        requests waiting while no connection is up fail with EIO after this long
 * @param reconnectMin    first reconnect delay (doubled on each failure, with jitter)
 * @param reconnectMax    largest reconnect delay
 * @param queueLimit      callers' requests that may wait while no connection is up; past it new ones fail
 *                        with EIO at once (while a connection is up every request is taken: each caller bounds
 *                        its own in-flight requests)
 * @param maxPayload      largest READ/WRITE sent in one request (longer ones are split); the server's own limit
 *                        lowers it
 * @param maxInFlight     requests pipelined per connection
 * @param replayLimit     bytes of acknowledged but not yet flushed write data kept for replay after a server
 *                        restart; beyond it the client flushes by itself, and beyond twice it writes wait
 */
public record ClientOptions(StreamAddress uri, int connections, Duration stallTimeout, Duration deadTime,
                            Duration reconnectMin, Duration reconnectMax, int queueLimit, int maxPayload,
                            int maxInFlight, long replayLimit) {

    public static final int MAX_CONNECTIONS = 64;

    public ClientOptions {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(stallTimeout, "stallTimeout");
        Objects.requireNonNull(deadTime, "deadTime");
        Objects.requireNonNull(reconnectMin, "reconnectMin");
        Objects.requireNonNull(reconnectMax, "reconnectMax");
        if (connections < 0 || connections > MAX_CONNECTIONS) {
            throw new IllegalArgumentException("connections must be 0 (auto) to " + MAX_CONNECTIONS + ": " + connections);
        }
        if (stallTimeout.toMillis() < 1 || deadTime.isNegative() || reconnectMin.toMillis() < 1
                || reconnectMax.compareTo(reconnectMin) < 0) {
            throw new IllegalArgumentException("timeouts must be positive and reconnectMax >= reconnectMin");
        }
        if (queueLimit < 1 || maxInFlight < 1 || maxPayload < 512 || replayLimit < 0) {
            throw new IllegalArgumentException("queueLimit, maxInFlight must be >= 1, maxPayload >= 512, "
                    + "replayLimit >= 0");
        }
    }

    /** The defaults of the {@code org.enbd.client.endpoint} configuration for {@code uri}. */
    public static ClientOptions of(String uri) {
        return of(StreamAddress.parse(uri));
    }

    /**
     * The options a component's configuration gives (the endpoint's and the kernel device's share these keys):
     * times in milliseconds; the first reconnect delay is 50 ms, or the maximum when that is smaller.
     */
    public static ClientOptions fromConfiguration(String uri, int connections, long stallTimeoutMs, long deadTimeMs,
                                                  long reconnectMaxMs, int queueLimit) {
        return of(uri).withConnections(connections)
                .withStallTimeout(Duration.ofMillis(stallTimeoutMs))
                .withDeadTime(Duration.ofMillis(deadTimeMs))
                .withReconnect(Duration.ofMillis(Math.min(50, reconnectMaxMs)), Duration.ofMillis(reconnectMaxMs))
                .withQueueLimit(queueLimit);
    }

    /** The defaults for {@code uri}. */
    public static ClientOptions of(StreamAddress uri) {
        return new ClientOptions(uri, 0, Duration.ofSeconds(10), Duration.ofSeconds(60), Duration.ofMillis(50),
                Duration.ofSeconds(5), 1024, 32 << 20, 64, 64L << 20);
    }

    /** The same options for another server URI (a live move). */
    public ClientOptions withUri(StreamAddress other) {
        return new ClientOptions(other, connections, stallTimeout, deadTime, reconnectMin, reconnectMax, queueLimit,
                maxPayload, maxInFlight, replayLimit);
    }

    public ClientOptions withConnections(int n) {
        return new ClientOptions(uri, n, stallTimeout, deadTime, reconnectMin, reconnectMax, queueLimit, maxPayload,
                maxInFlight, replayLimit);
    }

    public ClientOptions withStallTimeout(Duration d) {
        return new ClientOptions(uri, connections, d, deadTime, reconnectMin, reconnectMax, queueLimit, maxPayload,
                maxInFlight, replayLimit);
    }

    public ClientOptions withDeadTime(Duration d) {
        return new ClientOptions(uri, connections, stallTimeout, d, reconnectMin, reconnectMax, queueLimit, maxPayload,
                maxInFlight, replayLimit);
    }

    public ClientOptions withReconnect(Duration min, Duration max) {
        return new ClientOptions(uri, connections, stallTimeout, deadTime, min, max, queueLimit, maxPayload,
                maxInFlight, replayLimit);
    }

    public ClientOptions withQueueLimit(int n) {
        return new ClientOptions(uri, connections, stallTimeout, deadTime, reconnectMin, reconnectMax, n, maxPayload,
                maxInFlight, replayLimit);
    }

    public ClientOptions withMaxPayload(int bytes) {
        return new ClientOptions(uri, connections, stallTimeout, deadTime, reconnectMin, reconnectMax, queueLimit,
                bytes, maxInFlight, replayLimit);
    }

    public ClientOptions withMaxInFlight(int n) {
        return new ClientOptions(uri, connections, stallTimeout, deadTime, reconnectMin, reconnectMax, queueLimit,
                maxPayload, n, replayLimit);
    }

    public ClientOptions withReplayLimit(long bytes) {
        return new ClientOptions(uri, connections, stallTimeout, deadTime, reconnectMin, reconnectMax, queueLimit,
                maxPayload, maxInFlight, bytes);
    }
}
