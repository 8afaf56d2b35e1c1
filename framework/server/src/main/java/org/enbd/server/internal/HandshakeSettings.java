package org.enbd.server.internal;

import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.enbd.api.stream.StreamSecurity;
import org.enbd.server.ExportDirectory;
import org.enbd.server.MemoryBudget;
import org.enbd.server.ServerLimits;
import org.enbd.server.TlsPolicy;
import org.enbd.server.TransmissionPhase;

/**
 * What every handshake on one server shares.
 *
 * @param security     the TLS provider, or null when none is installed
 * @param started      told of each connection that enters transmission (the server drains them on close)
 * @param shuttingDown true once the server is closing: options get NBD_REP_ERR_SHUTDOWN
 * @param budget       the bytes all of the server's connections share in transmission
 */
public record HandshakeSettings(ExportDirectory exports, ServerLimits limits, TlsPolicy tls, StreamSecurity security,
                                Consumer<TransmissionPhase> started, BooleanSupplier shuttingDown,
                                MemoryBudget budget) {
    /** Settings with a budget of their own ({@link ServerLimits#serverBudget()}). */
    public HandshakeSettings(ExportDirectory exports, ServerLimits limits, TlsPolicy tls, StreamSecurity security,
                             Consumer<TransmissionPhase> started, BooleanSupplier shuttingDown) {
        this(exports, limits, tls, security, started, shuttingDown, new MemoryBudget(limits.serverBudget()));
    }
}
