package org.enbd.protocol;

import java.util.Map;

/** Request types (proto.md, "Request types"). */
public enum Command implements WireEnum {
    READ(0), WRITE(1), DISC(2), FLUSH(3), TRIM(4), CACHE(5), WRITE_ZEROES(6), BLOCK_STATUS(7), RESIZE(8),
    /** ENBD-J's control message ({@link EnbdExtension}); only after the extension was negotiated. */
    ENBD_CONTROL(EnbdExtension.CMD_CONTROL);

    private static final Map<Integer, Command> BY_VALUE = WireEnum.index(Command.class);
    private final int value;

    Command(int value) {
        this.value = value;
    }

    @Override
    public int value() {
        return value;
    }

    /** The command for a wire value, or null when unknown (the server answers EINVAL and goes on). */
    public static Command fromValue(int value) {
        return BY_VALUE.get(value);
    }
}
