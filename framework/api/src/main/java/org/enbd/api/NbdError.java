package org.enbd.api;

import java.util.Arrays;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The error values of the NBD protocol (proto.md, "Error values"). They are Linux errno numbers; a server
 * MUST NOT send others, so every failure in ENBD-J is mapped to one of these exactly once, where it is handled.
 */
public enum NbdError {
    EPERM(1),
    EIO(5),
    ENOMEM(12),
    EINVAL(22),
    ENOSPC(28),
    EOVERFLOW(75),
    ENOTSUP(95),
    ESHUTDOWN(108);

    private static final Map<Integer, NbdError> BY_VALUE = Arrays.stream(values())
            .collect(Collectors.toUnmodifiableMap(NbdError::value, Function.identity()));

    private final int value;

    NbdError(int value) {
        this.value = value;
    }

    /** The number on the wire. */
    public int value() {
        return value;
    }

    /**
     * The error for a value read from the wire. The spec tells clients to treat an unknown value as EINVAL
     * (it may come from a newer server), so that is what an unknown value becomes.
     */
    public static NbdError fromValue(int value) {
        return BY_VALUE.getOrDefault(value, EINVAL);
    }
}
