package org.enbd.transport.raw.target;

import java.nio.ByteBuffer;

/** Where a target sends its responses: a packet socket, or a test's list. Never blocks; false is a lost frame. */
@FunctionalInterface
public interface FrameSink {
    boolean send(ByteBuffer frame) throws java.io.IOException;
}
