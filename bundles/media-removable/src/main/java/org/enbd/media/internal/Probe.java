package org.enbd.media.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import org.enbd.ioctl.Descriptor;
import org.enbd.ioctl.IoctlControl;
import org.enbd.ioctl.IoctlTable;

/**
 * How one kind of storage is checked for its medium, about once a second, on the component's probe thread:
 * an image file by its inode and size (an image replaced with {@code mv} is a new inode, so a new medium; a write
 * changes the modification time but not the medium), a block device by its size and disk sequence number (the
 * kernel counts a new one for every medium change: LOOP_CHANGE_FD, a disc swapped), an optical drive by
 * CDROM_DRIVE_STATUS and CDROM_MEDIA_CHANGED on the descriptor that holds it.
 */
sealed interface Probe {
    /** {@code CDSL_CURRENT}: the drive itself, not a changer slot. */
    long CDSL_CURRENT = Integer.MAX_VALUE;
    int CDS_DISC_OK = 4;

    /** The storage now; {@code held} is the descriptor the export holds (null while nothing is in). */
    Identity look(Descriptor held) throws IOException;

    /** The probe for {@code path}: an optical drive answers CDROM_DRIVE_STATUS, a block device has sysfs. */
    static Probe of(Path path) throws IOException {
        if (!Files.exists(path) || Files.isRegularFile(path)) {
            return new Image(path);
        }
        Path sys = Path.of("/sys/class/block").resolve(path.toRealPath().getFileName());
        try (Descriptor d = Descriptor.open(path.toString(), Descriptor.O_RDONLY | Descriptor.O_NONBLOCK)) {
            if (driveStatus(d) >= 0) {
                return new Optical(path, sys);
            }
        } catch (Descriptor.Failure e) {
            throw new IOException(e.getMessage(), e);
        }
        return new Block(path, sys);
    }

    private static long driveStatus(Descriptor d) {
        IoctlControl.Reply r = d.ioctl(IoctlTable.standard().named("CDROM_DRIVE_STATUS").orElseThrow(),
                new IoctlControl.Request("CDROM_DRIVE_STATUS", CDSL_CURRENT, new byte[0]));
        return r.failed() ? -1 : r.result();
    }

    /** An image file: inode and size. */
    record Image(Path path) implements Probe {
        @Override
        public Identity look(Descriptor held) throws IOException {
            try {
                BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
                return new Identity(true, a.size(), String.valueOf(a.fileKey()), path + " (" + a.fileKey() + ")");
            } catch (NoSuchFileException e) {
                return Identity.absent("no image at " + path);
            }
        }
    }

    /** A block device: size and disk sequence from sysfs. */
    record Block(Path path, Path sys) implements Probe {
        @Override
        public Identity look(Descriptor held) throws IOException {
            long size = sectors(sys) * 512;
            if (size == 0) {
                return Identity.absent(path + " has no medium (size 0)");
            }
            String seq = diskseq(sys);
            return new Identity(true, size, seq, path + " (diskseq " + seq + ")");
        }
    }

    /** An optical (or floppy) drive: the drive's own status, and its media-changed latch. */
    record Optical(Path path, Path sys) implements Probe {
        @Override
        public Identity look(Descriptor held) throws IOException {
            try (Descriptor probe = held != null ? null
                    : openQuietly(path)) {
                Descriptor d = held != null ? held : probe;
                if (d == null) {
                    return Identity.absent("cannot open " + path);
                }
                long status = driveStatus(d);
                if (status != CDS_DISC_OK) {
                    return Identity.absent(path + ": " + switch ((int) status) {
                        case 1 -> "no disc";
                        case 2 -> "tray open";
                        case 3 -> "drive not ready";
                        default -> "no medium (drive status " + status + ")";
                    });
                }
                IoctlControl.Reply changed = d.ioctl(IoctlTable.standard().named("CDROM_MEDIA_CHANGED").orElseThrow(),
                        new IoctlControl.Request("CDROM_MEDIA_CHANGED", CDSL_CURRENT, new byte[0]));
                String seq = diskseq(sys);
                // the latch is read once: a change it reports makes the key differ from every earlier one
                String key = seq + (changed.result() == 1 ? "/changed@" + System.nanoTime() : "");
                return new Identity(true, sectors(sys) * 512, key, path + " (disc in, diskseq " + seq + ")");
            }
        }

        private static Descriptor openQuietly(Path path) {
            try {
                return Descriptor.open(path.toString(), Descriptor.O_RDONLY | Descriptor.O_NONBLOCK);
            } catch (Descriptor.Failure e) {
                return null;
            }
        }
    }

    private static long sectors(Path sys) throws IOException {
        return Long.parseLong(Files.readString(sys.resolve("size")).strip());
    }

    private static String diskseq(Path sys) throws IOException {
        Path seq = sys.resolve("diskseq");
        return Files.exists(seq, LinkOption.NOFOLLOW_LINKS) ? Files.readString(seq).strip() : "-";
    }
}
