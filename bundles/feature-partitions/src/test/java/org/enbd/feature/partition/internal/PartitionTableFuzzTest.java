package org.enbd.feature.partition.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.util.Random;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.junit.jupiter.api.Test;

/**
 * Whatever bytes a disk holds, finding a partition ends in one of two ways: a partition that lies inside the
 * disk, or EINVAL. Tables are damaged at random (fixed seeds, so a failure repeats), including with checksums
 * made good again, so the checks behind the checksums are reached too.
 */
class PartitionTableFuzzTest {
    private static final int ROUNDS = 4000;

    private static void findsInsideOrRefuses(ByteBuffer disk, int number) {
        try {
            Partition p = PartitionTable.find(Disks.sectors(disk), number);
            assertTrue(p.offset() >= 0 && p.length() > 0 && p.offset() + p.length() <= disk.capacity(),
                    () -> "outside the disk: " + p);
        } catch (NbdException e) {
            assertEquals(NbdError.EINVAL, e.error(), e.getMessage());
        } catch (RuntimeException | AssertionError e) {
            fail("partition " + number + ": " + e, e);
        }
    }

    /** Sets a few random bytes, biased to the places that hold tables. */
    private static ByteBuffer damaged(ByteBuffer original, Random random, int tableEnd) {
        ByteBuffer disk = ByteBuffer.allocate(original.capacity()).order(original.order());
        disk.put(0, original, 0, original.capacity());
        for (int i = 1 + random.nextInt(4); i > 0; i--) {
            int at = random.nextInt(4) == 0 ? random.nextInt(disk.capacity()) : random.nextInt(tableEnd);
            disk.put(at, (byte) random.nextInt(256));
        }
        return disk;
    }

    @Test
    void damagedMbrChainsNeverEscapeTheDisk() {
        Random random = new Random(16);
        ByteBuffer original = Disks.mbrWithLogicals();
        for (int round = 0; round < ROUNDS; round++) {
            ByteBuffer disk = damaged(original, random, original.capacity());
            findsInsideOrRefuses(disk, 1 + random.nextInt(8));
        }
    }

    @Test
    void damagedGptsNeverEscapeTheDiskEvenWhenTheirChecksumsAreMadeGood() {
        Random random = new Random(61);
        ByteBuffer original = Disks.gpt(256, new Disks.Entry(1, 34, 99, "boot"), new Disks.Entry(2, 100, 221, "d"));
        for (int round = 0; round < ROUNDS; round++) {
            ByteBuffer disk = damaged(original, random, 3 * Disks.SECTOR);
            if (random.nextBoolean()) {
                byte[] array = new byte[128 * 128];
                disk.get(2 * Disks.SECTOR, array);
                disk.putInt(Disks.SECTOR + 88, Disks.crc(array));
                if (disk.getInt(Disks.SECTOR + 12) >= 92 && disk.getInt(Disks.SECTOR + 12) <= 512) {
                    Disks.resealHeader(disk);
                }
            }
            findsInsideOrRefuses(disk, 1 + random.nextInt(3));
        }
    }

    @Test
    void randomBytesHoldNoPartitionThatEscapes() {
        Random random = new Random(1998);
        for (int round = 0; round < ROUNDS; round++) {
            byte[] bytes = new byte[Disks.SECTOR * (2 + random.nextInt(40))];
            random.nextBytes(bytes);
            ByteBuffer disk = ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            if (random.nextBoolean()) {
                disk.putShort(510, (short) 0xAA55);
            }
            findsInsideOrRefuses(disk, 1 + random.nextInt(6));
        }
    }
}
