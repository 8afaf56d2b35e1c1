package org.enbd.api.layer;

import java.util.Map;

/**
 * One connection's view for a feature: which export, who the peer is, and what was negotiated in the
 * handshake (attributes set by features' {@link Feature#option} hooks, e.g. an ENBD extension turned on).
 *
 * @param export     the export being served
 * @param peer       the peer's address as text, for logs and authorisation
 * @param secure     the connection runs over TLS (or another authenticated stream)
 * @param attributes what handshake hooks recorded for this connection
 */
public record SessionContext(ExportContext export, String peer, boolean secure, Map<String, Object> attributes) {
    public SessionContext {
        attributes = Map.copyOf(attributes);
    }
}
