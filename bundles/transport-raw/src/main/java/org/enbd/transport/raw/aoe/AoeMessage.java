package org.enbd.transport.raw.aoe;

import java.nio.ByteBuffer;
import java.util.Arrays;

/** One AoE frame as a message: an ATA command, a config query, or a command this codec does not parse. */
public sealed interface AoeMessage {
    AoeHeader header();

    /**
     * An ATA command or its response (AoE command 0).
     *
     * @param aflags        the E (0x40, LBA48), D (0x10), A (0x02, asynchronous write) and W (0x01) flags
     * @param errorFeature  the ATA error register in a response, the feature register in a request
     * @param sectorCount   sectors to transfer (0-255)
     * @param commandStatus the ATA command in a request, the status in a response
     * @param lba           the 48-bit logical block address (lba0 is the least significant byte on the wire)
     * @param data          what follows the ATA header: the sectors of a write or a read's response (read-only)
     */
    record Ata(AoeHeader header, int aflags, int errorFeature, int sectorCount, int commandStatus, long lba,
               ByteBuffer data) implements AoeMessage {
        public static final int LENGTH = 12;
        public static final int FLAG_EXTENDED = 0x40;
        public static final int FLAG_DEVICE = 0x10;
        public static final int FLAG_ASYNC = 0x02;
        public static final int FLAG_WRITE = 0x01;
        public static final int SECTOR = 512;

        public Ata {
            check("aflags", aflags);
            check("error/feature", errorFeature);
            check("sector count", sectorCount);
            check("command/status", commandStatus);
            if (lba < 0 || lba > 0xFFFF_FFFF_FFFFL) {
                throw new IllegalArgumentException("lba " + lba + " is not a 48-bit address");
            }
            data = data.asReadOnlyBuffer();
        }

        public boolean write() {
            return (aflags & FLAG_WRITE) != 0;
        }

        public boolean extended() {
            return (aflags & FLAG_EXTENDED) != 0;
        }

        /** The data bytes, as a new read-only view (position 0 to its length). */
        @Override
        public ByteBuffer data() {
            return data.duplicate();
        }
    }

    /**
     * Query Config Information and its response (AoE command 1).
     *
     * @param bufferCount     frames the target can queue
     * @param firmware        the target's firmware version
     * @param sectorsPerFrame the most sectors one ATA frame may carry ((MTU - 36) / 512)
     * @param aoeVersion      the protocol version the target speaks (high nibble of the byte)
     * @param configCommand   a {@link ConfigCommand} value (low nibble)
     * @param configString    up to 1024 bytes
     */
    record Config(AoeHeader header, int bufferCount, int firmware, int sectorsPerFrame, int aoeVersion,
                  int configCommand, byte[] configString) implements AoeMessage {
        public static final int LENGTH = 8;
        public static final int MAX_STRING = 1024;

        public Config {
            if (bufferCount < 0 || bufferCount > 0xFFFF || firmware < 0 || firmware > 0xFFFF) {
                throw new IllegalArgumentException("buffer count and firmware are 16-bit values");
            }
            check("sectors per frame", sectorsPerFrame);
            if (aoeVersion < 0 || aoeVersion > 0xF || configCommand < 0 || configCommand > 0xF) {
                throw new IllegalArgumentException("version and config command are 4-bit values");
            }
            if (configString.length > MAX_STRING) {
                throw new IllegalArgumentException("a config string holds at most " + MAX_STRING + " bytes");
            }
            configString = configString.clone();
        }

        @Override
        public byte[] configString() {
            return configString.clone();
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Config c && header.equals(c.header) && bufferCount == c.bufferCount
                    && firmware == c.firmware && sectorsPerFrame == c.sectorsPerFrame && aoeVersion == c.aoeVersion
                    && configCommand == c.configCommand && Arrays.equals(configString, c.configString);
        }

        @Override
        public int hashCode() {
            return header.hashCode() * 31 + Arrays.hashCode(configString);
        }

        @Override
        public String toString() {
            return "Config[" + header + ", bufferCount=" + bufferCount + ", sectorsPerFrame=" + sectorsPerFrame
                    + ", configCommand=" + configCommand + ", configString=" + configString.length + " bytes]";
        }
    }

    /**
     * A frame this codec does not parse beyond its header: a command it does not know (MAC mask list,
     * reserve/release, vendor commands) or another protocol version, and an error response that ends after the
     * AoE header. A target answers a request with {@code reason}; for an error response it is the error code.
     */
    record Unsupported(AoeHeader header, AoeError reason) implements AoeMessage {
    }

    private static void check(String what, int value) {
        if (value < 0 || value > 0xFF) {
            throw new IllegalArgumentException(what + " " + value + " is not a byte");
        }
    }
}
