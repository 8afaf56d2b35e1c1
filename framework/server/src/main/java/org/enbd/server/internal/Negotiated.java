package org.enbd.server.internal;

import org.enbd.api.layer.Capabilities;
import org.enbd.protocol.ReplyFormat;

/**
 * What one connection's transmission phase works with, fixed when it starts.
 *
 * @param size                the export's size
 * @param capabilities        what the stack can do (asked once)
 * @param transmissionFlags   what was advertised, derived from the capabilities
 * @param format              reply framing agreed in the handshake
 * @param allocationContextId the id given to {@code base:allocation}, or 0 when not negotiated
 */
public record Negotiated(long size, Capabilities capabilities, int transmissionFlags, ReplyFormat format,
                         int allocationContextId) {
}
