package org.enbd.protocol;

import java.util.Map;

/** Option reply types (proto.md, "Option reply types"); errors have the top bit set. */
public enum OptionReplyType implements WireEnum {
    ACK(1), SERVER(2), INFO(3), META_CONTEXT(4),
    ERR_UNSUP(0x80000001), ERR_POLICY(0x80000002), ERR_INVALID(0x80000003), ERR_PLATFORM(0x80000004),
    ERR_TLS_REQD(0x80000005), ERR_UNKNOWN(0x80000006), ERR_SHUTDOWN(0x80000007), ERR_BLOCK_SIZE_REQD(0x80000008),
    ERR_TOO_BIG(0x80000009), ERR_EXT_HEADER_REQD(0x8000000a);

    private static final Map<Integer, OptionReplyType> BY_VALUE = WireEnum.index(OptionReplyType.class);
    private final int value;

    OptionReplyType(int value) {
        this.value = value;
    }

    @Override
    public int value() {
        return value;
    }

    public boolean isError() {
        return value < 0;
    }

    /** The reply type for a wire value, or null when unknown (a client treats unknown errors as errors). */
    public static OptionReplyType fromValue(int value) {
        return BY_VALUE.get(value);
    }
}
