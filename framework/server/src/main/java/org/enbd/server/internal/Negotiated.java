package org.enbd.server.internal;

import org.enbd.api.layer.Capabilities;
import org.enbd.api.layer.RequestFlags;
import org.enbd.api.layer.Support;
import org.enbd.protocol.EnbdExtension;
import org.enbd.protocol.ReplyFormat;
import org.enbd.protocol.Request;

/**
 * What one connection's transmission phase works with, fixed when it starts.
 *
 * @param size                the export's size
 * @param capabilities        what the stack can do (asked once)
 * @param transmissionFlags   what was advertised, derived from the capabilities
 * @param format              reply framing agreed in the handshake
 * @param allocationContextId the id given to {@code base:allocation}, or 0 when not negotiated
 * @param enbd                ENBD's extension channel was negotiated (control requests, pushed events)
 * @param noReply             writes flagged {@code EnbdExtension.FLAG_NO_REPLY} are not answered (async no-ack)
 */
public record Negotiated(long size, Capabilities capabilities, int transmissionFlags, ReplyFormat format,
                         int allocationContextId, boolean enbd, boolean noReply) {

    /** Whether FUA on this request becomes a flush after it, because the stack only emulates FUA. */
    boolean emulatedFua(Request request) {
        return RequestFlags.has(request.flags(), RequestFlags.FUA) && capabilities.fua() == Support.EMULATE;
    }

    /**
     * The flags the layer sees: FUA goes to the layer when it honours it natively, else it is taken off; the
     * no-reply flag is the wire's, never the layer's.
     */
    int flagsForLayer(Request request) {
        int flags = request.flags() & ~EnbdExtension.FLAG_NO_REPLY;
        return emulatedFua(request) ? flags & ~RequestFlags.FUA : flags;
    }

    /** Whether this request is a WRITE the client asked not to be answered. */
    boolean unanswered(Request request) {
        return noReply && (request.flags() & EnbdExtension.FLAG_NO_REPLY) != 0;
    }
}
