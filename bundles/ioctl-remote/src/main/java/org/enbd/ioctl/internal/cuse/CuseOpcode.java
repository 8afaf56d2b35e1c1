package org.enbd.ioctl.internal.cuse;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** The FUSE request opcodes a CUSE device sees ({@code include/uapi/linux/fuse.h}); the rest are answered ENOSYS. */
public enum CuseOpcode {
    OPEN(14),
    READ(15),
    WRITE(16),
    RELEASE(18),
    FLUSH(25),
    INTERRUPT(36),
    IOCTL(39),
    POLL(40),
    CUSE_INIT(4096);

    private static final Map<Integer, CuseOpcode> BY_VALUE = new HashMap<>();

    static {
        for (CuseOpcode op : values()) {
            if (BY_VALUE.put(op.value, op) != null) {
                throw new ExceptionInInitializerError("opcode " + op.value + " twice");
            }
        }
    }

    private final int value;

    CuseOpcode(int value) {
        this.value = value;
    }

    public int value() {
        return value;
    }

    /** The opcode of {@code value}, or empty for one a CUSE server need not know. */
    public static Optional<CuseOpcode> of(int value) {
        return Optional.ofNullable(BY_VALUE.get(value));
    }
}
