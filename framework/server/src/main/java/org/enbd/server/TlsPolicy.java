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

    /** Parses {@code off}, {@code optional} or {@code required}, or nbdkit's names {@code on} and {@code require}. */
    public static TlsPolicy parse(String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "off" -> OFF;
            case "on", "optional" -> OPTIONAL;
            case "require", "required" -> REQUIRED;
            default -> throw new IllegalArgumentException("tls must be off, on (optional) or require (required), not '"
                    + text + "'");
        };
    }
}
