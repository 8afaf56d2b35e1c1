package org.enbd.server.internal;

import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.enbd.api.stream.StreamSecurity;
import org.enbd.server.ExportDirectory;
import org.enbd.server.ServerLimits;
import org.enbd.server.TlsPolicy;
import org.enbd.server.TransmissionPhase;

/**
 * What every handshake on one server shares.
 *
 * @param security     the TLS provider, or null when none is installed
 * @param started      told of each connection that enters transmission (the server drains them on close)
 * @param shuttingDown true once the server is closing: options get NBD_REP_ERR_SHUTDOWN
 */
public record HandshakeSettings(ExportDirectory exports, ServerLimits limits, TlsPolicy tls, StreamSecurity security,
                                Consumer<TransmissionPhase> started, BooleanSupplier shuttingDown) {
}
