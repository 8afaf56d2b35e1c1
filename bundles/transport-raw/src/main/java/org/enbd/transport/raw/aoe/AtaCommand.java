package org.enbd.transport.raw.aoe;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The ATA commands an AoE target answers (the command/status byte of a request). */
public enum AtaCommand {
    READ_SECTORS(0x20),
    READ_SECTORS_EXT(0x24),
    WRITE_SECTORS(0x30),
    WRITE_SECTORS_EXT(0x34),
    CHECK_POWER_MODE(0xE5),
    FLUSH_CACHE(0xE7),
    FLUSH_CACHE_EXT(0xEA),
    IDENTIFY_DEVICE(0xEC);

    /** Status bits of a reply: device ready, error. */
    public static final int STATUS_DRDY = 0x40;
    public static final int STATUS_ERR = 0x01;
    /** Error bits of a reply: command aborted, sector not found (out of range). */
    public static final int ERROR_ABRT = 0x04;
    public static final int ERROR_IDNF = 0x10;

    private static final Map<Integer, AtaCommand> BY_VALUE = Arrays.stream(values())
            .collect(Collectors.toUnmodifiableMap(AtaCommand::value, Function.identity()));

    private final int value;

    AtaCommand(int value) {
        this.value = value;
    }

    public int value() {
        return value;
    }

    public static Optional<AtaCommand> of(int value) {
        return Optional.ofNullable(BY_VALUE.get(value));
    }

    /** READ or WRITE SECTORS in either form. */
    public boolean transfersData() {
        return this == READ_SECTORS || this == READ_SECTORS_EXT || this == WRITE_SECTORS || this == WRITE_SECTORS_EXT;
    }

    public boolean isWrite() {
        return this == WRITE_SECTORS || this == WRITE_SECTORS_EXT;
    }

    /** The 48-bit form: LBA48 and up to 65536 sectors (AoE carries at most 255 in a frame). */
    public boolean isExtended() {
        return this == READ_SECTORS_EXT || this == WRITE_SECTORS_EXT;
    }
}
