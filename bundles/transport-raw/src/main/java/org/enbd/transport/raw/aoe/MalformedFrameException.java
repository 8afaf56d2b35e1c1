package org.enbd.transport.raw.aoe;

/** A frame that cannot be an AoE message: too short, another EtherType, lengths that do not fit. It is dropped. */
public final class MalformedFrameException extends Exception {
    public MalformedFrameException(String message) {
        super(message);
    }
}
