package org.enbd.feature.partition.internal;

import java.nio.ByteBuffer;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;

/**
 * Finds a partition in a disk's table, as nbdkit's partition filter does: sector 0 must carry the MBR signature;
 * an MBR with a protective entry (type 0xEE) means the disk is GPT, and the GPT is read ({@link Gpt}); otherwise
 * the MBR's own entries are ({@link Mbr}). Pure parsing: whatever the disk holds, the answer is a partition that
 * lies inside the disk or an {@link NbdException}, EINVAL with the reason for a table that is missing, damaged or
 * has no such partition.
 */
final class PartitionTable {
    static final int MBR_SIGNATURE_OFFSET = 510;
    static final int PROTECTIVE = 0xEE;

    private PartitionTable() {
    }

    static Partition find(Sectors disk, int number) throws NbdException {
        if (number < 1) {
            throw invalid("partition numbers start at 1, not " + number);
        }
        if (disk.size() < 2L * Sectors.SECTOR) {
            throw invalid("the disk is " + disk.size() + " bytes, too small to hold a partition table");
        }
        ByteBuffer mbr = disk.read(0, Sectors.SECTOR);
        if (Short.toUnsignedInt(mbr.getShort(MBR_SIGNATURE_OFFSET)) != 0xAA55) {
            throw invalid("no partition table: sector 0 has no MBR signature 55 AA");
        }
        for (int i = 0; i < Mbr.PRIMARIES; i++) {
            if (Mbr.entry(mbr, i).type() == PROTECTIVE) {
                return Gpt.find(disk, number);
            }
        }
        return Mbr.find(disk, mbr, number);
    }

    /** A partition of {@code sectors} sectors from sector {@code first}, checked to lie inside the disk. */
    static Partition inside(Sectors disk, int number, long first, long sectors, String description)
            throws NbdException {
        if (first < 0 || sectors <= 0 || first > Long.MAX_VALUE / Sectors.SECTOR
                || sectors > Long.MAX_VALUE / Sectors.SECTOR) {
            throw invalid(description + " has an impossible extent (sector " + Long.toUnsignedString(first)
                    + ", " + Long.toUnsignedString(sectors) + " sectors)");
        }
        long offset = first * Sectors.SECTOR;
        long length = sectors * Sectors.SECTOR;
        if (offset > disk.size() || length > disk.size() - offset) {
            throw invalid(description + " (bytes " + offset + " to " + (offset + length) + ") ends beyond the disk ("
                    + disk.size() + " bytes)");
        }
        return new Partition(number, offset, length, description);
    }

    static NbdException invalid(String problem) {
        return new NbdException(NbdError.EINVAL, problem);
    }
}
