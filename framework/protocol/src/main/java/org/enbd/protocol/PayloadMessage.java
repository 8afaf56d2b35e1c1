package org.enbd.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCounted;

/**
 * A message that may carry a buffer. Reference counting goes to the buffer, so Netty's codecs release a message
 * after encoding it, and the handler that receives a decoded message releases it when done (or passes it on).
 * A message without a buffer counts as one reference that is never freed.
 */
public interface PayloadMessage extends ReferenceCounted {
    /** The buffer carried, or null. */
    ByteBuf payload();

    @Override
    default int refCnt() {
        return payload() == null ? 1 : payload().refCnt();
    }

    @Override
    default PayloadMessage retain() {
        if (payload() != null) {
            payload().retain();
        }
        return this;
    }

    @Override
    default PayloadMessage retain(int increment) {
        if (payload() != null) {
            payload().retain(increment);
        }
        return this;
    }

    @Override
    default PayloadMessage touch() {
        if (payload() != null) {
            payload().touch();
        }
        return this;
    }

    @Override
    default PayloadMessage touch(Object hint) {
        if (payload() != null) {
            payload().touch(hint);
        }
        return this;
    }

    @Override
    default boolean release() {
        return payload() != null && payload().release();
    }

    @Override
    default boolean release(int decrement) {
        return payload() != null && payload().release(decrement);
    }
}
