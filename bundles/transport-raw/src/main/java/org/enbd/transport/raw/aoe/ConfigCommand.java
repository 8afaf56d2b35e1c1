package org.enbd.transport.raw.aoe;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The CCmd nibble of a Query Config Information request (revision 11, section 3.2). */
public enum ConfigCommand {
    /** Answer with the config string. */
    READ(0),
    /** Answer only when the config string equals the request's. */
    TEST(1),
    /** Answer only when the request's string is a prefix of the config string. */
    TEST_PREFIX(2),
    /** Set the config string when it is empty; otherwise fail with {@link AoeError#CONFIG_STRING_PRESENT}. */
    SET(3),
    /** Set the config string whatever it holds. */
    FORCE_SET(4);

    private static final Map<Integer, ConfigCommand> BY_VALUE = Arrays.stream(values())
            .collect(Collectors.toUnmodifiableMap(ConfigCommand::value, Function.identity()));

    private final int value;

    ConfigCommand(int value) {
        this.value = value;
    }

    public int value() {
        return value;
    }

    public static Optional<ConfigCommand> of(int value) {
        return Optional.ofNullable(BY_VALUE.get(value));
    }
}
