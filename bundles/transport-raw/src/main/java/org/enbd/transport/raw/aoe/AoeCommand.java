package org.enbd.transport.raw.aoe;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The command byte of the AoE header (revision 11, section 2). Vendor commands start at 0xF0. */
public enum AoeCommand {
    ATA(0),
    CONFIG(1),
    MAC_MASK(2),
    RESERVE_RELEASE(3);

    private static final Map<Integer, AoeCommand> BY_VALUE = Arrays.stream(values())
            .collect(Collectors.toUnmodifiableMap(AoeCommand::value, Function.identity()));

    private final int value;

    AoeCommand(int value) {
        this.value = value;
    }

    public int value() {
        return value;
    }

    /** The command for a wire value, empty for one this table does not know. */
    public static Optional<AoeCommand> of(int value) {
        return Optional.ofNullable(BY_VALUE.get(value));
    }
}
