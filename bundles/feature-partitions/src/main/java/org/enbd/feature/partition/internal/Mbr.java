package org.enbd.feature.partition.internal;

import java.nio.ByteBuffer;
import org.enbd.api.NbdException;

/**
 * The MBR (DOS) table: four primary entries in sector 0, and logical partitions in a chain of extended boot
 * records (EBRs) inside the one extended partition. Partitions 1-4 are the primary entries, 5 and up the logical
 * ones in chain order, as Linux and nbdkit number them. Every EBR must lie inside the extended partition and carry
 * the signature; the chain is followed at most {@link #MAX_LOGICAL} links and never to an EBR already read, so a
 * looping chain ends.
 */
final class Mbr {
    static final int PRIMARIES = 4;
    static final int MAX_LOGICAL = 128;
    private static final int ENTRIES_OFFSET = 446;
    private static final int ENTRY_SIZE = 16;

    /** One 16-byte entry: its type and its extent in sectors (both 32-bit unsigned on disk). */
    record Entry(int type, long first, long sectors) {
        boolean unused() {
            return type == 0 || sectors == 0;
        }

        boolean extended() {
            return type == 0x05 || type == 0x0F || type == 0x85;
        }
    }

    private Mbr() {
    }

    static Entry entry(ByteBuffer sector, int index) {
        int at = ENTRIES_OFFSET + index * ENTRY_SIZE;
        return new Entry(Byte.toUnsignedInt(sector.get(at + 4)), Integer.toUnsignedLong(sector.getInt(at + 8)),
                Integer.toUnsignedLong(sector.getInt(at + 12)));
    }

    static Partition find(Sectors disk, ByteBuffer mbr, int number) throws NbdException {
        if (number <= PRIMARIES) {
            Entry e = entry(mbr, number - 1);
            String name = "MBR partition " + number;
            if (e.unused()) {
                throw PartitionTable.invalid(name + " is unused");
            }
            if (e.extended()) {
                throw PartitionTable.invalid(name + " is the extended partition (its logical partitions are "
                        + "numbered from 5)");
            }
            return PartitionTable.inside(disk, number, e.first(), e.sectors(), typed(name, e));
        }
        if (number > PRIMARIES + MAX_LOGICAL) {
            throw PartitionTable.invalid("MBR partition " + number + ": at most " + MAX_LOGICAL
                    + " logical partitions are read");
        }
        Entry extended = null;
        for (int i = 0; i < PRIMARIES && extended == null; i++) {
            Entry e = entry(mbr, i);
            extended = e.extended() && !e.unused() ? e : null;
        }
        if (extended == null) {
            throw PartitionTable.invalid("MBR has no extended partition, so no logical partition " + number);
        }
        Partition container = PartitionTable.inside(disk, 0, extended.first(), extended.sectors(),
                "the MBR's extended partition");
        return logical(disk, container, extended.first(), number);
    }

    private static Partition logical(Sectors disk, Partition container, long extendedFirst, int number)
            throws NbdException {
        long containerEnd = extendedFirst + extended(container);
        long ebr = extendedFirst;
        java.util.Set<Long> visited = new java.util.HashSet<>();
        for (int n = PRIMARIES + 1; ; n++) {
            if (ebr < extendedFirst || ebr >= containerEnd) {
                throw PartitionTable.invalid("the EBR of logical partition " + n + " lies outside the extended "
                        + "partition");
            }
            if (!visited.add(ebr)) {
                throw PartitionTable.invalid("the chain of EBRs loops back to sector " + ebr + " before logical "
                        + "partition " + number);
            }
            ByteBuffer sector = disk.read(ebr * Sectors.SECTOR, Sectors.SECTOR);
            if (Short.toUnsignedInt(sector.getShort(PartitionTable.MBR_SIGNATURE_OFFSET)) != 0xAA55) {
                throw PartitionTable.invalid("the EBR of logical partition " + n + " (sector " + ebr
                        + ") has no signature 55 AA");
            }
            Entry logical = entry(sector, 0);
            Entry link = entry(sector, 1);
            if (n == number) {
                String name = "MBR logical partition " + n;
                if (logical.unused()) {
                    throw PartitionTable.invalid(name + " is unused");
                }
                long first = ebr + logical.first();
                if (first + logical.sectors() > containerEnd) {
                    throw PartitionTable.invalid(name + " ends beyond its extended partition");
                }
                return PartitionTable.inside(disk, n, first, logical.sectors(), typed(name, logical));
            }
            if (link.unused()) {
                throw PartitionTable.invalid("MBR has " + (n - PRIMARIES) + " logical partitions, not partition "
                        + number);
            }
            ebr = extendedFirst + link.first();
        }
    }

    private static long extended(Partition container) {
        return container.length() / Sectors.SECTOR;
    }

    private static String typed(String name, Entry e) {
        return name + " (type 0x" + Integer.toHexString(e.type()) + ")";
    }
}
