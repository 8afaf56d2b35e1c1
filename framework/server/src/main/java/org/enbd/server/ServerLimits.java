package org.enbd.server;

import java.time.Duration;
import java.util.Objects;

/**
 * What one connection may ask of the server, and how much memory clients may make it hold.
 *
 * @param maxPayload       the largest READ or WRITE payload, in bytes; NBD_INFO_BLOCK_SIZE advertises the smaller of
 *                         it and the stack's maximum (32 MiB for most layers). 64 MiB by default, as nbdkit and
 *                         nbd-server accept: the spec's 32 MiB is what a client may assume without negotiation, and
 *                         clients that ignore the advertised maximum (the kernel's max_sectors, older tools) send
 *                         more
 * @param maxInFlight      requests one connection may have outstanding; above it the server decodes no more of that
 *                         connection's requests (and stops reading it) until replies have gone out
 * @param maxOptionLength  the largest handshake option data read; longer options get NBD_REP_ERR_TOO_BIG
 * @param handshakeTimeout how long a connection may take from accept to NBD_OPT_GO/EXPORT_NAME; a client that
 *                         connects and says nothing, or stalls mid-handshake, is closed after it (so idle sockets
 *                         cannot pile up: nbd-server and nbdkit have the same guard)
 * @param maxOptions       options one connection may send in the handshake; the next one closes it (nbdkit has
 *                         the same guard). While the client does not read the replies, no further option is read
 * @param connectionBudget bytes one connection may make the server hold in transmission: payloads received and
 *                         replies not yet flushed to its socket. A request is decoded only once its bytes fit (its
 *                         payload and its reply: a READ's length; capped at the budget, so the largest request
 *                         still fits alone), at least {@code maxPayload}
 * @param serverBudget     the same bytes summed over all connections of one server (or one kernel relay); a
 *                         connection waits while the others hold them. At least {@code connectionBudget}
 */
public record ServerLimits(int maxPayload, int maxInFlight, int maxOptionLength, Duration handshakeTimeout,
                           int maxOptions, long connectionBudget, long serverBudget) {
    /**
     * 64 MiB payloads, 128 requests in flight, 64 KiB options, 30 s to finish the handshake, 256 options, 64 MiB
     * per connection and 512 MiB in all.
     */
    public static final ServerLimits DEFAULT = new ServerLimits(64 << 20, 128, 64 << 10, Duration.ofSeconds(30),
            256, 64L << 20, 512L << 20);

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
        if (maxOptions < 1) {
            throw new IllegalArgumentException("maxOptions must be at least 1: " + maxOptions);
        }
        if (connectionBudget < maxPayload) {
            throw new IllegalArgumentException("the connection budget (" + connectionBudget + " bytes) must hold "
                    + "the largest request, maxPayload (" + maxPayload + ")");
        }
        if (serverBudget < connectionBudget) {
            throw new IllegalArgumentException("the server budget (" + serverBudget + " bytes) must be at least the "
                    + "connection budget (" + connectionBudget + ")");
        }
    }

    /** Limits with the default handshake timeout, option count and budgets. */
    public ServerLimits(int maxPayload, int maxInFlight, int maxOptionLength) {
        this(maxPayload, maxInFlight, maxOptionLength, DEFAULT.handshakeTimeout);
    }

    /** Limits with the default option count and budgets. */
    public ServerLimits(int maxPayload, int maxInFlight, int maxOptionLength, Duration handshakeTimeout) {
        this(maxPayload, maxInFlight, maxOptionLength, handshakeTimeout, DEFAULT.maxOptions,
                Math.max(DEFAULT.connectionBudget, maxPayload),
                Math.max(DEFAULT.serverBudget, maxPayload));
    }

    /** A larger payload limit raises the budgets to hold it when they would be too small. */
    public ServerLimits withMaxPayload(int value) {
        long connection = Math.max(connectionBudget, value);
        return new ServerLimits(value, maxInFlight, maxOptionLength, handshakeTimeout, maxOptions, connection,
                Math.max(serverBudget, connection));
    }

    public ServerLimits withMaxInFlight(int value) {
        return new ServerLimits(maxPayload, value, maxOptionLength, handshakeTimeout, maxOptions, connectionBudget,
                serverBudget);
    }

    public ServerLimits withHandshakeTimeout(Duration value) {
        return new ServerLimits(maxPayload, maxInFlight, maxOptionLength, value, maxOptions, connectionBudget,
                serverBudget);
    }

    public ServerLimits withMaxOptions(int value) {
        return new ServerLimits(maxPayload, maxInFlight, maxOptionLength, handshakeTimeout, value, connectionBudget,
                serverBudget);
    }

    /** The per-connection and per-server budgets, in bytes. */
    public ServerLimits withBudgets(long connection, long server) {
        return new ServerLimits(maxPayload, maxInFlight, maxOptionLength, handshakeTimeout, maxOptions, connection,
                server);
    }
}
