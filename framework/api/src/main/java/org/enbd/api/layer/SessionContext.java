package org.enbd.api.layer;

import java.util.Map;

/**
 * One connection's view for a feature: which export, who the peer is, and what was negotiated in the
 * handshake (attributes set by features' {@link Feature#option} hooks).
 *
 * @param export     the export being served
 * @param peer       the peer's address as text, for logs and authorisation
 * @param secure     the connection runs over TLS (or another authenticated stream)
 * @param identity   the peer's authenticated identity (certificate subject, PSK identity, SSH user), or null
 * @param attributes what handshake hooks recorded for this connection
 */
public record SessionContext(ExportContext export, String peer, boolean secure, String identity,
                             Map<String, Object> attributes) {
    public SessionContext {
        attributes = Map.copyOf(attributes);
    }

    /** A plain connection with no identity and no attributes. */
    public static SessionContext plain(ExportContext export, String peer) {
        return new SessionContext(export, peer, false, null, Map.of());
    }
}
