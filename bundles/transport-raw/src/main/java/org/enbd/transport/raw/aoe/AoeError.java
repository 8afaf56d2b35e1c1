package org.enbd.transport.raw.aoe;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The error byte of an AoE response with the E flag (revision 11, section 2.4). */
public enum AoeError {
    UNRECOGNIZED_COMMAND(1),
    BAD_ARGUMENT(2),
    DEVICE_UNAVAILABLE(3),
    CONFIG_STRING_PRESENT(4),
    UNSUPPORTED_VERSION(5),
    TARGET_RESERVED(6);

    private static final Map<Integer, AoeError> BY_VALUE = Arrays.stream(values())
            .collect(Collectors.toUnmodifiableMap(AoeError::value, Function.identity()));

    private final int value;

    AoeError(int value) {
        this.value = value;
    }

    public int value() {
        return value;
    }

    public static Optional<AoeError> of(int value) {
        return Optional.ofNullable(BY_VALUE.get(value));
    }
}
