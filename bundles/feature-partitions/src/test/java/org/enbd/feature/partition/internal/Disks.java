package org.enbd.feature.partition.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/** Disk images with partition tables, built byte by byte as fdisk and sgdisk write them, for the tests. */
final class Disks {
    static final int SECTOR = 512;

    private Disks() {
    }

    /** A disk of {@code sectors} sectors with an MBR signature and no entries. */
    static ByteBuffer blank(int sectors) {
        ByteBuffer disk = ByteBuffer.allocate(sectors * SECTOR).order(ByteOrder.LITTLE_ENDIAN);
        disk.putShort(510, (short) 0xAA55);
        return disk;
    }

    /** Sets MBR (or EBR, at {@code sector}) entry {@code index}. */
    static ByteBuffer entry(ByteBuffer disk, long sector, int index, int type, long first, long count) {
        int at = (int) (sector * SECTOR) + 446 + index * 16;
        disk.put(at + 4, (byte) type);
        disk.putInt(at + 8, (int) first);
        disk.putInt(at + 12, (int) count);
        disk.putShort((int) (sector * SECTOR) + 510, (short) 0xAA55);
        return disk;
    }

    /**
     * An MBR disk of 64 sectors: primary 1 at sectors 2-9 (type 0x83), an extended partition 2 over sectors
     * 16-63 holding logical 5 (sectors 18-25) and logical 6 (sectors 34-41), primary 3 and 4 unused.
     */
    static ByteBuffer mbrWithLogicals() {
        ByteBuffer disk = blank(64);
        entry(disk, 0, 0, 0x83, 2, 8);
        entry(disk, 0, 1, 0x05, 16, 48);
        entry(disk, 16, 0, 0x83, 2, 8);       // logical 5: relative to its EBR at 16
        entry(disk, 16, 1, 0x05, 16, 32);     // next EBR: relative to the extended partition, at 32
        entry(disk, 32, 0, 0x82, 2, 8);       // logical 6 at 34
        return fill(disk, 1);
    }

    /**
     * Each sector's bytes before the entries' place (446) are its own number, so a read shows where it came from;
     * sectors before {@code from} (a GPT's header and entries) are left as they are.
     */
    static ByteBuffer fill(ByteBuffer disk, int from) {
        for (int s = from; s < disk.capacity() / SECTOR; s++) {
            for (int i = 0; i < 446; i++) {
                if (disk.get(s * SECTOR + i) == 0) {
                    disk.put(s * SECTOR + i, (byte) s);
                }
            }
        }
        return disk;
    }

    /** A GPT entry: its place from 1, extent in LBAs (inclusive), and name. */
    record Entry(int number, long first, long last, String name) {
    }

    /** A GPT disk of {@code sectors} sectors: protective MBR, header in LBA 1, 128 entries from LBA 2. */
    static ByteBuffer gpt(int sectors, Entry... entries) {
        ByteBuffer disk = blank(sectors);
        entry(disk, 0, 0, 0xEE, 1, sectors - 1);
        ByteBuffer array = ByteBuffer.allocate(128 * 128).order(ByteOrder.LITTLE_ENDIAN);
        for (Entry e : entries) {
            int at = (e.number() - 1) * 128;
            array.putLong(at, 0x4DB80B5CE3C9E316L).putLong(at + 8, 0x15C8D5B8AE2FD1B6L); // Linux data type
            array.putLong(at + 16, e.number()).putLong(at + 32, e.first()).putLong(at + 40, e.last());
            byte[] name = e.name().getBytes(StandardCharsets.UTF_16LE);
            array.put(at + 56, name, 0, Math.min(name.length, 72));
        }
        disk.put(2 * SECTOR, array.array());
        ByteBuffer header = ByteBuffer.allocate(92).order(ByteOrder.LITTLE_ENDIAN);
        header.put("EFI PART".getBytes(StandardCharsets.US_ASCII)).putInt(0x00010000).putInt(92).putInt(0)
                .putInt(0).putLong(1).putLong(sectors - 1).putLong(34).putLong(sectors - 34)
                .putLong(0x1234).putLong(0x5678).putLong(2).putInt(128).putInt(128).putInt(crc(array.array()));
        header.putInt(16, crc(header.array()));
        disk.put(SECTOR, header.array());
        return disk;
    }

    /** Recomputes the header checksum after a test changed a header field. */
    static ByteBuffer resealHeader(ByteBuffer disk) {
        int size = disk.getInt(SECTOR + 12);
        disk.putInt(SECTOR + 16, 0);
        byte[] header = new byte[size];
        disk.get(SECTOR, header);
        disk.putInt(SECTOR + 16, crc(header));
        return disk;
    }

    static int crc(byte[] bytes) {
        CRC32 crc = new CRC32();
        crc.update(bytes);
        return (int) crc.getValue();
    }

    /** The disk as the parsers read it. */
    static Sectors sectors(ByteBuffer disk) {
        return new Sectors() {
            @Override
            public long size() {
                return disk.capacity();
            }

            @Override
            public ByteBuffer read(long offset, int length) {
                if (offset < 0 || length < 0 || offset + length > disk.capacity()) {
                    throw new AssertionError("a parser read outside the disk: " + offset + "+" + length);
                }
                byte[] bytes = new byte[length];
                disk.get((int) offset, bytes);
                return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            }
        };
    }
}
