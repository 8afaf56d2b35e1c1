package org.enbd.protocol;

/** How replies are framed on a connection, fixed by the handshake. */
public enum ReplyFormat {
    /** Simple replies only (no NBD_OPT_STRUCTURED_REPLY). */
    SIMPLE,
    /** Structured reply chunks with 32-bit lengths (NBD_OPT_STRUCTURED_REPLY). */
    STRUCTURED,
    /** Extended headers: 64-bit requests and chunk headers (NBD_OPT_EXTENDED_HEADERS); no simple replies. */
    EXTENDED
}
