package org.enbd.protocol;

import java.util.Map;

/** Information types of NBD_OPT_INFO and NBD_OPT_GO (proto.md, "NBD_REP_INFO"). */
public enum InfoType implements WireEnum {
    EXPORT(0), NAME(1), DESCRIPTION(2), BLOCK_SIZE(3);

    private static final Map<Integer, InfoType> BY_VALUE = WireEnum.index(InfoType.class);
    private final int value;

    InfoType(int value) {
        this.value = value;
    }

    @Override
    public int value() {
        return value;
    }

    /** The info type for a wire value, or null when unknown (ignored, as the spec asks). */
    public static InfoType fromValue(int value) {
        return BY_VALUE.get(value);
    }
}
