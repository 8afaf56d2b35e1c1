package org.enbd.server;

import java.util.Locale;

/**
 * How a listener answers NBD_OPT_STARTTLS (proto.md, "TLS support"). Without a {@code StreamSecurity} provider
 * the server cannot upgrade: OFF answers NBD_REP_ERR_POLICY, OPTIONAL answers NBD_REP_ERR_UNSUP (NOTLS mode), and
 * REQUIRED refuses to listen at all rather than accept clients it can never serve.
 */
public enum TlsPolicy {
    /** NOTLS: STARTTLS is refused by policy. */
    OFF,
    /** SELECTIVETLS with no TLS-only export: clients may upgrade. */
    OPTIONAL,
    /** FORCEDTLS: every option but STARTTLS and ABORT gets NBD_REP_ERR_TLS_REQD until TLS is up. */
    REQUIRED;

    /** Parses {@code off}, {@code optional} or {@code required}. */
    public static TlsPolicy parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("tls must be off, optional or required, not '" + text + "'");
        }
    }
}
