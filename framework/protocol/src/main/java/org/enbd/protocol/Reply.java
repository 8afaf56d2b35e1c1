package org.enbd.protocol;

/**
 * A transmission reply: a simple reply, or one chunk of a structured reply. Every reply carries the cookie of
 * its request and the request's offset (extended headers echo it in every chunk header).
 */
public sealed interface Reply extends PayloadMessage
        permits SimpleReply, ReplyChunk {
    long cookie();
}
