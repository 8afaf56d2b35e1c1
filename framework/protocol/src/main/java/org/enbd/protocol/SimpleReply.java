package org.enbd.protocol;

import io.netty.buffer.ByteBuf;

/**
 * A simple reply (proto.md, "Simple reply message").
 *
 * @param error an NBD error value, 0 for success
 * @param data  the data of a successful READ, or null
 */
public record SimpleReply(long cookie, int error, ByteBuf data) implements Reply {
    @Override
    public ByteBuf payload() {
        return data;
    }
}
