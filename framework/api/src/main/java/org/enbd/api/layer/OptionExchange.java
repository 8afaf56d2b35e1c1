package org.enbd.api.layer;

import io.netty.buffer.ByteBuf;

/**
 * One option of the handshake as a feature sees it, with the means to answer it. Used for ENBD's negotiated
 * extensions: a standard client never sends these options, and a standard server answers them with
 * NBD_REP_ERR_UNSUP, so ENBD peers learn each other's extensions and standard peers see nothing.
 */
public interface OptionExchange {
    /** The option number the client sent. */
    int option();

    /** The option's data; valid during the hook call only. */
    ByteBuf data();

    /** The peer's address as text. */
    String peer();

    /** Replies NBD_REP_ACK. */
    void ack();

    /** Replies with a reply type and data (the exchange takes ownership of {@code data}). */
    void reply(int replyType, ByteBuf data);

    /** Replies with an error reply type (NBD_REP_ERR_*) and a message for the user. */
    void error(int errorType, String message);

    /** Records a value that the connection's layers will find in {@link SessionContext#attributes()}. */
    void attribute(String key, Object value);
}
