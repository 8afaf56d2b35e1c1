package org.enbd.protocol;

import java.util.Map;

/** Structured reply chunk types (proto.md, "Structured reply types"). */
public enum ReplyType implements WireEnum {
    NONE(0), OFFSET_DATA(1), OFFSET_HOLE(2), BLOCK_STATUS(5), BLOCK_STATUS_EXT(6), ERROR(0x8001),
    ERROR_OFFSET(0x8002),
    /** ENBD-J: the answer to a control message ({@link EnbdExtension}). */
    ENBD_CONTROL(EnbdExtension.REPLY_CONTROL),
    /** ENBD-J: a message the server pushes ({@link EnbdExtension}). */
    ENBD_EVENT(EnbdExtension.REPLY_EVENT);

    /** Reply flag: this chunk is the last of its reply. */
    public static final int FLAG_DONE = 1;

    private static final Map<Integer, ReplyType> BY_VALUE = WireEnum.index(ReplyType.class);
    private final int value;

    ReplyType(int value) {
        this.value = value;
    }

    @Override
    public int value() {
        return value;
    }

    /** Chunk types with bit 15 set are errors, known or not. */
    public static boolean isError(int value) {
        return (value & 0x8000) != 0;
    }

    /** The chunk type for a wire value, or null when unknown. */
    public static ReplyType fromValue(int value) {
        return BY_VALUE.get(value);
    }
}
