package org.enbd.feature.partition.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import org.enbd.api.NbdException;

/**
 * The GUID partition table (UEFI 2.10, chapter 5.3): the primary header in LBA 1 and its array of entries.
 * Partition N is the array's Nth entry, as nbdkit and Linux number them. Both checksums are verified and every
 * field that places something on the disk is checked before it is used; the backup header is not read (a disk
 * whose primary table is damaged is refused, and {@code sgdisk} can repair it from the backup).
 */
final class Gpt {
    private static final long SIGNATURE = 0x5452415020494645L; // "EFI PART", little-endian
    private static final int MIN_HEADER = 92;
    private static final int MIN_ENTRY = 128;
    private static final int MAX_ENTRY = 4096;
    /** The most entry bytes read: 8192 entries of 128 bytes, far above the 128 entries tools create. */
    static final int MAX_ARRAY = 1 << 20;
    private static final int NAME_OFFSET = 56;
    private static final int NAME_BYTES = 72;

    private Gpt() {
    }

    static Partition find(Sectors disk, int number) throws NbdException {
        ByteBuffer header = disk.read(Sectors.SECTOR, Sectors.SECTOR);
        if (header.getLong(0) != SIGNATURE) {
            throw PartitionTable.invalid("the MBR is protective (GPT) but LBA 1 has no GPT header signature");
        }
        int headerSize = header.getInt(12);
        if (headerSize < MIN_HEADER || headerSize > Sectors.SECTOR) {
            throw PartitionTable.invalid("the GPT header size " + Integer.toUnsignedString(headerSize)
                    + " is not between " + MIN_HEADER + " and " + Sectors.SECTOR);
        }
        ByteBuffer summed = ByteBuffer.allocate(headerSize).put(header.duplicate().limit(headerSize)).putInt(16, 0);
        if (crc(summed.array(), headerSize) != header.getInt(16)) {
            throw PartitionTable.invalid("the GPT header's checksum does not match (damaged table)");
        }
        if (header.getLong(24) != 1) {
            throw PartitionTable.invalid("the GPT header in LBA 1 says it is at LBA " + header.getLong(24));
        }
        long entriesLba = header.getLong(72);
        long count = Integer.toUnsignedLong(header.getInt(80));
        long entrySize = Integer.toUnsignedLong(header.getInt(84));
        if (entrySize < MIN_ENTRY || entrySize > MAX_ENTRY || Long.bitCount(entrySize) != 1) {
            throw PartitionTable.invalid("the GPT entry size " + entrySize + " is not 128 times a power of two "
                    + "up to " + MAX_ENTRY);
        }
        if (count * entrySize > MAX_ARRAY) {
            throw PartitionTable.invalid("the GPT claims " + count + " entries of " + entrySize + " bytes, more "
                    + "than the " + MAX_ARRAY + " bytes read");
        }
        if (number > count) {
            throw PartitionTable.invalid("the GPT has " + count + " entries, so no partition " + number);
        }
        int arrayBytes = (int) (count * entrySize);
        if (entriesLba < 2 || entriesLba > (disk.size() - arrayBytes) / Sectors.SECTOR) {
            throw PartitionTable.invalid("the GPT's entries (from LBA " + Long.toUnsignedString(entriesLba)
                    + ") do not lie inside the disk");
        }
        ByteBuffer entries = disk.read(entriesLba * Sectors.SECTOR, arrayBytes);
        if (crc(entries.array(), arrayBytes) != header.getInt(88)) {
            throw PartitionTable.invalid("the GPT entries' checksum does not match (damaged table)");
        }
        int at = (int) ((number - 1) * entrySize);
        if (entries.getLong(at) == 0 && entries.getLong(at + 8) == 0) {
            throw PartitionTable.invalid("GPT partition " + number + " is unused");
        }
        long first = entries.getLong(at + 32);
        long last = entries.getLong(at + 40);
        String name = "GPT partition " + number + name(entries, at);
        if (first < 0 || last < first || last == Long.MAX_VALUE) {
            throw PartitionTable.invalid(name + " has an impossible extent (LBA " + Long.toUnsignedString(first)
                    + " to " + Long.toUnsignedString(last) + ")");
        }
        return PartitionTable.inside(disk, number, first, last - first + 1, name);
    }

    /** The entry's name, as {@code " 'root'"}, or nothing when it has none. */
    private static String name(ByteBuffer entries, int at) {
        String name = new String(entries.array(), at + NAME_OFFSET, NAME_BYTES, StandardCharsets.UTF_16LE);
        int end = name.indexOf('\0');
        name = (end < 0 ? name : name.substring(0, end)).strip();
        return name.isEmpty() ? "" : " '" + name.replaceAll("\\p{Cntrl}", "?") + "'";
    }

    private static int crc(byte[] bytes, int length) {
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, length);
        return (int) crc.getValue();
    }
}
