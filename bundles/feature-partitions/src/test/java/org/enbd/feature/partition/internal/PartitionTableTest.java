package org.enbd.feature.partition.internal;

import static org.enbd.feature.partition.internal.Disks.SECTOR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.junit.jupiter.api.Test;

class PartitionTableTest {

    private static Partition find(ByteBuffer disk, int number) throws NbdException {
        return PartitionTable.find(Disks.sectors(disk), number);
    }

    private static String refused(ByteBuffer disk, int number) {
        NbdException e = assertThrows(NbdException.class, () -> find(disk, number));
        assertEquals(NbdError.EINVAL, e.error(), e.getMessage());
        return e.getMessage();
    }

    @Test
    void mbrPrimaryPartitionsAreNumberedOneToFour() throws Exception {
        Partition p = find(Disks.mbrWithLogicals(), 1);

        assertEquals(new Partition(1, 2 * SECTOR, 8 * SECTOR, "MBR partition 1 (type 0x83)"), p);
    }

    @Test
    void mbrLogicalPartitionsFollowTheEbrChainFromFive() throws Exception {
        Partition five = find(Disks.mbrWithLogicals(), 5);
        Partition six = find(Disks.mbrWithLogicals(), 6);

        assertEquals(18L * SECTOR, five.offset(), "relative to its EBR at sector 16");
        assertEquals(34L * SECTOR, six.offset(), "second EBR at 16 + 16 (relative to the extended partition)");
        assertEquals(8L * SECTOR, six.length());
        assertEquals("MBR logical partition 6 (type 0x82)", six.description());
    }

    @Test
    void anMbrRefusesUnusedExtendedAndMissingPartitions() {
        ByteBuffer disk = Disks.mbrWithLogicals();

        assertEquals("MBR partition 3 is unused", refused(disk, 3));
        assertTrue(refused(disk, 2).startsWith("MBR partition 2 is the extended partition"));
        assertEquals("MBR has 2 logical partitions, not partition 7", refused(disk, 7));
        assertEquals("MBR has no extended partition, so no logical partition 5",
                refused(Disks.entry(Disks.blank(8), 0, 0, 0x83, 1, 4), 5));
    }

    @Test
    void aPartitionReachingBeyondTheDiskIsRefused() {
        ByteBuffer disk = Disks.entry(Disks.blank(8), 0, 0, 0x83, 4, 5);

        assertEquals("MBR partition 1 (type 0x83) (bytes 2048 to 4608) ends beyond the disk (4096 bytes)",
                refused(disk, 1));
    }

    @Test
    void aDiskWithoutSignatureHasNoTable() {
        assertEquals("no partition table: sector 0 has no MBR signature 55 AA",
                refused(ByteBuffer.allocate(8 * SECTOR), 1));
    }

    @Test
    void aLoopingEbrChainEndsWithARefusal() {
        ByteBuffer disk = Disks.blank(64);
        Disks.entry(disk, 0, 0, 0x05, 16, 48);
        Disks.entry(disk, 16, 0, 0x83, 2, 4);
        Disks.entry(disk, 16, 1, 0x05, 0, 4); // links back to itself

        assertEquals("the chain of EBRs loops back to sector 16 before logical partition 6", refused(disk, 6));
        assertTrue(refused(disk, 133).contains("at most 128 logical partitions are read"));
    }

    @Test
    void anEbrOutsideItsExtendedPartitionIsRefused() {
        ByteBuffer disk = Disks.blank(64);
        Disks.entry(disk, 0, 0, 0x05, 16, 16);
        Disks.entry(disk, 16, 0, 0x83, 2, 4);
        Disks.entry(disk, 16, 1, 0x05, 40, 4);

        assertEquals("the EBR of logical partition 6 lies outside the extended partition", refused(disk, 6));
    }

    @Test
    void aGptPartitionIsItsEntryInTheArrayWithItsName() throws Exception {
        ByteBuffer disk = Disks.gpt(256, new Disks.Entry(1, 34, 99, "boot"), new Disks.Entry(2, 100, 221, "data"));

        assertEquals(new Partition(1, 34L * SECTOR, 66L * SECTOR, "GPT partition 1 'boot'"), find(disk, 1));
        assertEquals(new Partition(2, 100L * SECTOR, 122L * SECTOR, "GPT partition 2 'data'"), find(disk, 2));
    }

    @Test
    void aGptRefusesUnusedEntriesAndNumbersBeyondItsArray() {
        ByteBuffer disk = Disks.gpt(256, new Disks.Entry(1, 34, 99, "boot"));

        assertEquals("GPT partition 2 is unused", refused(disk, 2));
        assertEquals("the GPT has 128 entries, so no partition 129", refused(disk, 129));
    }

    @Test
    void aDamagedGptIsRefusedByItsChecksums() {
        ByteBuffer header = Disks.gpt(256, new Disks.Entry(1, 34, 99, "boot"));
        header.put(SECTOR + 40, (byte) 35);
        ByteBuffer entries = Disks.gpt(256, new Disks.Entry(1, 34, 99, "boot"));
        entries.put(2 * SECTOR + 32, (byte) 35);

        assertEquals("the GPT header's checksum does not match (damaged table)", refused(header, 1));
        assertEquals("the GPT entries' checksum does not match (damaged table)", refused(entries, 1));
    }

    @Test
    void gptFieldsThatPlaceThingsOutsideTheDiskAreRefusedEvenWithGoodChecksums() {
        ByteBuffer entrySize = Disks.resealHeader(Disks.gpt(256, new Disks.Entry(1, 34, 99, "a"))
                .putInt(SECTOR + 84, 100));
        ByteBuffer huge = Disks.resealHeader(Disks.gpt(256, new Disks.Entry(1, 34, 99, "a"))
                .putInt(SECTOR + 80, Integer.MAX_VALUE));
        ByteBuffer farArray = Disks.resealHeader(Disks.gpt(256, new Disks.Entry(1, 34, 99, "a"))
                .putLong(SECTOR + 72, Long.MAX_VALUE / 256));
        ByteBuffer beyond = Disks.gpt(256, new Disks.Entry(1, 200, 300, "big"));
        ByteBuffer backwards = Disks.gpt(256, new Disks.Entry(1, 99, 34, "back"));

        assertTrue(refused(entrySize, 1).startsWith("the GPT entry size 100"));
        assertTrue(refused(huge, 1).contains("more than the 1048576 bytes read"));
        assertTrue(refused(farArray, 1).endsWith("do not lie inside the disk"));
        assertEquals("GPT partition 1 'big' (bytes 102400 to 154112) ends beyond the disk (131072 bytes)",
                refused(beyond, 1));
        assertEquals("GPT partition 1 'back' has an impossible extent (LBA 99 to 34)", refused(backwards, 1));
    }

    @Test
    void aProtectiveMbrWithoutAGptHeaderIsRefused() {
        ByteBuffer disk = Disks.entry(Disks.blank(64), 0, 0, 0xEE, 1, 63);

        assertEquals("the MBR is protective (GPT) but LBA 1 has no GPT header signature", refused(disk, 1));
    }

    @Test
    void partitionNumbersStartAtOneAndTinyDisksHoldNoTable() {
        assertEquals("partition numbers start at 1, not 0", refused(Disks.mbrWithLogicals(), 0));
        assertTrue(refused(ByteBuffer.allocate(600), 1).contains("too small to hold a partition table"));
    }
}
