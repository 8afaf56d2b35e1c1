package org.enbd.protocol;

import java.util.Map;

/** Option types of the handshake (proto.md, "Option types"). */
public enum OptionType implements WireEnum {
    EXPORT_NAME(1), ABORT(2), LIST(3), PEEK_EXPORT(4), STARTTLS(5), INFO(6), GO(7), STRUCTURED_REPLY(8),
    LIST_META_CONTEXT(9), SET_META_CONTEXT(10), EXTENDED_HEADERS(11),
    /** ENBD-J's extension channel ({@link EnbdExtension}); standard servers answer NBD_REP_ERR_UNSUP. */
    ENBD(EnbdExtension.OPTION),
    /** ENBD-J: writes without replies ({@link EnbdExtension#OPTION_NO_REPLY}), after {@link #ENBD}. */
    ENBD_NO_REPLY(EnbdExtension.OPTION_NO_REPLY);

    private static final Map<Integer, OptionType> BY_VALUE = WireEnum.index(OptionType.class);
    private final int value;

    OptionType(int value) {
        this.value = value;
    }

    @Override
    public int value() {
        return value;
    }

    /** The option for a wire value, or null when unknown (answered NBD_REP_ERR_UNSUP). */
    public static OptionType fromValue(int value) {
        return BY_VALUE.get(value);
    }
}
