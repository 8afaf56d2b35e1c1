package org.enbd.transport.raw.target;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The 512 bytes an ATA device answers IDENTIFY DEVICE with, filled in as far as an AoE initiator reads them
 * (aoe.ko's {@code ataid_complete}, vblade's {@code atainit}): LBA and LBA48 supported, FLUSH CACHE (EXT)
 * supported, the sector counts in words 60-61 and 100-103, and the serial, firmware and model strings.
 */
public final class IdentifyDevice {
    private static final long MAX_LBA28 = 0x0FFF_FFFFL;

    private IdentifyDevice() {
    }

    /**
     * @param sectors  the device's size in 512-byte sectors
     * @param serial   up to 20 characters, e.g. {@code 1.0:exportname}
     * @param firmware up to 8 characters
     */
    public static ByteBuffer of(long sectors, String serial, String firmware) {
        ByteBuffer id = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);
        word(id, 47, 0x8000);         // READ/WRITE MULTIPLE: none
        word(id, 49, 0x0200);         // LBA supported
        word(id, 50, 0x4000);
        word(id, 80, 0x00F0);         // ATA/ATAPI-4 to -7
        word(id, 82, 0x4000);
        word(id, 83, 0x7400);         // valid, FLUSH CACHE EXT, FLUSH CACHE, LBA48
        word(id, 84, 0x4000);
        word(id, 85, 0x4000);
        word(id, 86, 0x3400);         // enabled: FLUSH CACHE EXT, FLUSH CACHE, LBA48
        word(id, 87, 0x4000);
        word(id, 93, 0x400B);
        long lba28 = Math.min(sectors, MAX_LBA28);
        word(id, 60, (int) (lba28 & 0xFFFF));
        word(id, 61, (int) (lba28 >>> 16));
        for (int i = 0; i < 4; i++) {
            word(id, 100 + i, (int) ((sectors >>> (16 * i)) & 0xFFFF));
        }
        text(id, 10, 20, serial);
        text(id, 23, 8, firmware);
        text(id, 27, 40, "ENBD-J AoE target");
        return id.position(0).asReadOnlyBuffer();
    }

    private static void word(ByteBuffer id, int index, int value) {
        id.putShort(index * 2, (short) value);
    }

    /** ATA strings: space-padded, the two characters of each word swapped. */
    private static void text(ByteBuffer id, int word, int length, String value) {
        byte[] chars = new byte[length];
        byte[] given = value.getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < length; i++) {
            chars[i] = i < given.length ? given[i] : (byte) ' ';
        }
        for (int i = 0; i < length; i += 2) {
            id.put(word * 2 + i, chars[i + 1]);
            id.put(word * 2 + i + 1, chars[i]);
        }
    }
}
