package org.enbd.server;

import java.time.Duration;
import java.util.Objects;

/**
 * What one connection may ask of the server.
 *
 * @param maxPayload       the largest READ or WRITE payload, in bytes (advertised in NBD_INFO_BLOCK_SIZE); the spec
 *                         asks servers to accept 32 MiB
 * @param maxInFlight      requests one connection may have outstanding; above it the server stops reading from
 *                         that connection until replies have gone out
 * @param maxOptionLength  the largest handshake option data read; longer options get NBD_REP_ERR_TOO_BIG
 * @param handshakeTimeout how long a connection may take from accept to NBD_OPT_GO/EXPORT_NAME; a client that
 *                         connects and says nothing, or stalls mid-handshake, is closed after it (so idle sockets
 *                         cannot pile up: nbd-server and nbdkit have the same guard)
 */
public record ServerLimits(int maxPayload, int maxInFlight, int maxOptionLength, Duration handshakeTimeout) {
    /** 32 MiB payloads, 128 requests in flight, 64 KiB options, 30 s to finish the handshake. */
    public static final ServerLimits DEFAULT = new ServerLimits(32 << 20, 128, 64 << 10, Duration.ofSeconds(30));

    public ServerLimits {
        if (maxPayload < 512) {
            throw new IllegalArgumentException("maxPayload must be at least 512 bytes: " + maxPayload);
        }
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight must be at least 1: " + maxInFlight);
        }
        if (maxOptionLength < 4096 + 8) {
            throw new IllegalArgumentException("maxOptionLength must hold a 4096-byte name: " + maxOptionLength);
        }
        Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
        if (handshakeTimeout.isNegative() || handshakeTimeout.isZero()) {
            throw new IllegalArgumentException("handshakeTimeout must be positive: " + handshakeTimeout);
        }
    }

    /** Limits with the default handshake timeout. */
    public ServerLimits(int maxPayload, int maxInFlight, int maxOptionLength) {
        this(maxPayload, maxInFlight, maxOptionLength, DEFAULT.handshakeTimeout);
    }

    public ServerLimits withMaxPayload(int value) {
        return new ServerLimits(value, maxInFlight, maxOptionLength, handshakeTimeout);
    }

    public ServerLimits withMaxInFlight(int value) {
        return new ServerLimits(maxPayload, value, maxOptionLength, handshakeTimeout);
    }

    public ServerLimits withHandshakeTimeout(Duration value) {
        return new ServerLimits(maxPayload, maxInFlight, maxOptionLength, value);
    }
}
