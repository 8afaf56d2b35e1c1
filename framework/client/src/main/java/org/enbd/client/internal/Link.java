package org.enbd.client.internal;

import org.enbd.protocol.Request;

/** One connection's wire, as the dispatcher drives it. Implementations never block. */
interface Link {
    /** Writes requests, in order, then flushes; the link takes over their payload references. */
    void send(java.util.List<Request> requests);

    /** Soft disconnect: NBD_CMD_DISC, then close. */
    void disconnect();

    /** Hard close with RST, so bytes still queued in the local socket die with it. */
    void abort();

    /** The connection's buffer allocator (pooled): for the copies the replay log keeps. */
    io.netty.buffer.ByteBufAllocator alloc();

    /** Whether the calling thread is this connection's event loop (a write from it needs no hand-off). */
    boolean inEventLoop();

    /** For logs: the peer and connection number. */
    String describe();
}
