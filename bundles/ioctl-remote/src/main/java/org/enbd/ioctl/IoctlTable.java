package org.enbd.ioctl;

import static org.enbd.ioctl.Marshal.IN;
import static org.enbd.ioctl.Marshal.INOUT;
import static org.enbd.ioctl.Marshal.NONE;
import static org.enbd.ioctl.Marshal.OUT;
import static org.enbd.ioctl.Marshal.VALUE;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The ioctls ENBD-J can carry, one line each: a new one is a line here. Numbers follow the kernel's uapi headers
 * (linux/fs.h, linux/hdreg.h, linux/cdrom.h, linux/fd.h, linux/loop.h, scsi/sg.h, scsi/scsi_ioctl.h, linux/pr.h);
 * sizes are the bytes the kernel copies (struct layouts of LP64). Legacy requests are written as numbers, newer
 * ones through {@link #ior}/{@link #iow}/{@link #iowr}, as the headers write them.
 *
 * <p>Left out on purpose: requests whose argument holds a pointer to more user memory (SG_IO, CDROM_SEND_PACKET,
 * CDROMREADAUDIO, FDRAWCMD, BLKPG, BLKREPORTZONE), which need a marshaller of their own, and requests that take a
 * file descriptor of the caller (LOOP_SET_FD, LOOP_CHANGE_FD, LOOP_CONFIGURE), which mean nothing on another
 * machine.
 */
public final class IoctlTable {
    public static final String BLOCK = "block";
    public static final String HDIO = "hdio";
    public static final String CDROM = "cdrom";
    public static final String FLOPPY = "floppy";
    public static final String LOOP = "loop";
    public static final String SCSI = "scsi";
    public static final String PR = "pr";

    private static final IoctlTable STANDARD = new IoctlTable(List.of(
            // block layer (linux/fs.h, linux/blkzoned.h): answered by the block layer for every disk
            new Ioctl("BLKROSET", BLOCK, 0x125D, IN, 4),
            new Ioctl("BLKROGET", BLOCK, 0x125E, OUT, 4),
            new Ioctl("BLKRRPART", BLOCK, 0x125F, NONE, 0),
            new Ioctl("BLKGETSIZE", BLOCK, 0x1260, OUT, 8),
            new Ioctl("BLKFLSBUF", BLOCK, 0x1261, NONE, 0),
            new Ioctl("BLKRASET", BLOCK, 0x1262, VALUE, 0),
            new Ioctl("BLKRAGET", BLOCK, 0x1263, OUT, 8),
            new Ioctl("BLKFRASET", BLOCK, 0x1264, VALUE, 0),
            new Ioctl("BLKFRAGET", BLOCK, 0x1265, OUT, 8),
            new Ioctl("BLKSECTGET", BLOCK, 0x1267, OUT, 2),
            new Ioctl("BLKSSZGET", BLOCK, 0x1268, OUT, 4),
            new Ioctl("BLKBSZGET", BLOCK, ior(0x12, 112, 8), OUT, 4),
            new Ioctl("BLKBSZSET", BLOCK, iow(0x12, 113, 8), IN, 4),
            new Ioctl("BLKGETSIZE64", BLOCK, ior(0x12, 114, 8), OUT, 8),
            new Ioctl("BLKTRACESTART", BLOCK, io(0x12, 116), NONE, 0),
            new Ioctl("BLKTRACESTOP", BLOCK, io(0x12, 117), NONE, 0),
            new Ioctl("BLKTRACETEARDOWN", BLOCK, io(0x12, 118), NONE, 0),
            new Ioctl("BLKDISCARD", BLOCK, io(0x12, 119), IN, 16),
            new Ioctl("BLKIOMIN", BLOCK, io(0x12, 120), OUT, 4),
            new Ioctl("BLKIOOPT", BLOCK, io(0x12, 121), OUT, 4),
            new Ioctl("BLKALIGNOFF", BLOCK, io(0x12, 122), OUT, 4),
            new Ioctl("BLKPBSZGET", BLOCK, io(0x12, 123), OUT, 4),
            new Ioctl("BLKDISCARDZEROES", BLOCK, io(0x12, 124), OUT, 4),
            new Ioctl("BLKSECDISCARD", BLOCK, io(0x12, 125), IN, 16),
            new Ioctl("BLKROTATIONAL", BLOCK, io(0x12, 126), OUT, 2),
            new Ioctl("BLKZEROOUT", BLOCK, io(0x12, 127), IN, 16),
            new Ioctl("BLKGETDISKSEQ", BLOCK, ior(0x12, 128, 8), OUT, 8),
            new Ioctl("BLKRESETZONE", BLOCK, iow(0x12, 131, 16), IN, 16),
            new Ioctl("BLKGETZONESZ", BLOCK, ior(0x12, 132, 4), OUT, 4),
            new Ioctl("BLKGETNRZONES", BLOCK, ior(0x12, 133, 4), OUT, 4),
            new Ioctl("BLKOPENZONE", BLOCK, iow(0x12, 134, 16), IN, 16),
            new Ioctl("BLKCLOSEZONE", BLOCK, iow(0x12, 135, 16), IN, 16),
            new Ioctl("BLKFINISHZONE", BLOCK, iow(0x12, 136, 16), IN, 16),
            // ATA drives (linux/hdreg.h); HDIO_GETGEO is answered by drivers with a geometry
            new Ioctl("HDIO_GETGEO", HDIO, 0x0301, OUT, 16),
            new Ioctl("HDIO_GET_UNMASKINTR", HDIO, 0x0302, OUT, 8),
            new Ioctl("HDIO_GET_MULTCOUNT", HDIO, 0x0304, OUT, 8),
            new Ioctl("HDIO_GET_QDMA", HDIO, 0x0305, OUT, 8),
            new Ioctl("HDIO_GET_32BIT", HDIO, 0x0309, OUT, 8),
            new Ioctl("HDIO_GET_NOWERR", HDIO, 0x030A, OUT, 8),
            new Ioctl("HDIO_GET_DMA", HDIO, 0x030B, OUT, 8),
            new Ioctl("HDIO_GET_NICE", HDIO, 0x030C, OUT, 8),
            new Ioctl("HDIO_GET_IDENTITY", HDIO, 0x030D, OUT, 512),
            new Ioctl("HDIO_GET_WCACHE", HDIO, 0x030E, OUT, 8),
            new Ioctl("HDIO_GET_ACOUSTIC", HDIO, 0x030F, OUT, 8),
            new Ioctl("HDIO_GET_ADDRESS", HDIO, 0x0310, OUT, 8),
            new Ioctl("HDIO_GET_BUSSTATE", HDIO, 0x031A, OUT, 8),
            new Ioctl("HDIO_DRIVE_CMD", HDIO, 0x031F, INOUT, 4),
            new Ioctl("HDIO_DRIVE_TASK", HDIO, 0x031E, INOUT, 7),
            new Ioctl("HDIO_SET_MULTCOUNT", HDIO, 0x0321, VALUE, 0),
            new Ioctl("HDIO_SET_UNMASKINTR", HDIO, 0x0322, VALUE, 0),
            new Ioctl("HDIO_SET_KEEPSETTINGS", HDIO, 0x0323, VALUE, 0),
            new Ioctl("HDIO_SET_32BIT", HDIO, 0x0324, VALUE, 0),
            new Ioctl("HDIO_SET_NOWERR", HDIO, 0x0325, VALUE, 0),
            new Ioctl("HDIO_SET_DMA", HDIO, 0x0326, VALUE, 0),
            new Ioctl("HDIO_SET_PIO_MODE", HDIO, 0x0327, VALUE, 0),
            new Ioctl("HDIO_SET_NICE", HDIO, 0x0329, VALUE, 0),
            new Ioctl("HDIO_SET_WCACHE", HDIO, 0x032B, VALUE, 0),
            new Ioctl("HDIO_SET_ACOUSTIC", HDIO, 0x032C, VALUE, 0),
            new Ioctl("HDIO_SET_BUSSTATE", HDIO, 0x032D, VALUE, 0),
            new Ioctl("HDIO_SET_QDMA", HDIO, 0x032E, VALUE, 0),
            new Ioctl("HDIO_SET_ADDRESS", HDIO, 0x032F, VALUE, 0),
            // optical drives (linux/cdrom.h): "you can eject cdroms over the net"
            new Ioctl("CDROMPAUSE", CDROM, 0x5301, NONE, 0),
            new Ioctl("CDROMRESUME", CDROM, 0x5302, NONE, 0),
            new Ioctl("CDROMPLAYMSF", CDROM, 0x5303, IN, 6),
            new Ioctl("CDROMPLAYTRKIND", CDROM, 0x5304, IN, 4),
            new Ioctl("CDROMREADTOCHDR", CDROM, 0x5305, OUT, 2),
            new Ioctl("CDROMREADTOCENTRY", CDROM, 0x5306, INOUT, 12),
            new Ioctl("CDROMSTOP", CDROM, 0x5307, NONE, 0),
            new Ioctl("CDROMSTART", CDROM, 0x5308, NONE, 0),
            new Ioctl("CDROMEJECT", CDROM, 0x5309, NONE, 0),
            new Ioctl("CDROMVOLCTRL", CDROM, 0x530A, IN, 4),
            new Ioctl("CDROMSUBCHNL", CDROM, 0x530B, INOUT, 16),
            new Ioctl("CDROMREADMODE2", CDROM, 0x530C, INOUT, 2336),
            new Ioctl("CDROMREADMODE1", CDROM, 0x530D, INOUT, 2048),
            new Ioctl("CDROMEJECT_SW", CDROM, 0x530F, VALUE, 0),
            new Ioctl("CDROMMULTISESSION", CDROM, 0x5310, INOUT, 8),
            new Ioctl("CDROM_GET_MCN", CDROM, 0x5311, OUT, 14),
            new Ioctl("CDROMRESET", CDROM, 0x5312, NONE, 0),
            new Ioctl("CDROMVOLREAD", CDROM, 0x5313, OUT, 4),
            new Ioctl("CDROMREADRAW", CDROM, 0x5314, INOUT, 2352),
            new Ioctl("CDROMREADCOOKED", CDROM, 0x5315, INOUT, 2048),
            new Ioctl("CDROMSEEK", CDROM, 0x5316, IN, 6),
            new Ioctl("CDROMPLAYBLK", CDROM, 0x5317, IN, 8),
            new Ioctl("CDROMREADALL", CDROM, 0x5318, INOUT, 2646),
            new Ioctl("CDROMCLOSETRAY", CDROM, 0x5319, NONE, 0),
            new Ioctl("CDROMGETSPINDOWN", CDROM, 0x531D, OUT, 1),
            new Ioctl("CDROMSETSPINDOWN", CDROM, 0x531E, IN, 1),
            new Ioctl("CDROM_SET_OPTIONS", CDROM, 0x5320, VALUE, 0),
            new Ioctl("CDROM_CLEAR_OPTIONS", CDROM, 0x5321, VALUE, 0),
            new Ioctl("CDROM_SELECT_SPEED", CDROM, 0x5322, VALUE, 0),
            new Ioctl("CDROM_SELECT_DISC", CDROM, 0x5323, VALUE, 0),
            new Ioctl("CDROM_MEDIA_CHANGED", CDROM, 0x5325, VALUE, 0),
            new Ioctl("CDROM_DRIVE_STATUS", CDROM, 0x5326, VALUE, 0),
            new Ioctl("CDROM_DISC_STATUS", CDROM, 0x5327, NONE, 0),
            new Ioctl("CDROM_CHANGER_NSLOTS", CDROM, 0x5328, NONE, 0),
            new Ioctl("CDROM_LOCKDOOR", CDROM, 0x5329, VALUE, 0),
            new Ioctl("CDROM_DEBUG", CDROM, 0x5330, VALUE, 0),
            new Ioctl("CDROM_GET_CAPABILITY", CDROM, 0x5331, NONE, 0),
            new Ioctl("CDROMAUDIOBUFSIZ", CDROM, 0x5382, VALUE, 0),
            new Ioctl("DVD_READ_STRUCT", CDROM, 0x5390, INOUT, 2056),
            new Ioctl("DVD_WRITE_STRUCT", CDROM, 0x5391, IN, 2056),
            new Ioctl("DVD_AUTH", CDROM, 0x5392, INOUT, 16),
            new Ioctl("CDROM_NEXT_WRITABLE", CDROM, 0x5394, OUT, 8),
            new Ioctl("CDROM_LAST_WRITTEN", CDROM, 0x5395, OUT, 8),
            new Ioctl("CDROM_TIMED_MEDIA_CHANGE", CDROM, 0x5396, INOUT, 16),
            // floppy drives (linux/fd.h)
            new Ioctl("FDCLRPRM", FLOPPY, io(2, 0x41), NONE, 0),
            new Ioctl("FDSETPRM", FLOPPY, iow(2, 0x42, 32), IN, 32),
            new Ioctl("FDDEFPRM", FLOPPY, iow(2, 0x43, 32), IN, 32),
            new Ioctl("FDGETPRM", FLOPPY, ior(2, 0x04, 32), OUT, 32),
            new Ioctl("FDMSGON", FLOPPY, io(2, 0x45), NONE, 0),
            new Ioctl("FDMSGOFF", FLOPPY, io(2, 0x46), NONE, 0),
            new Ioctl("FDFMTBEG", FLOPPY, io(2, 0x47), NONE, 0),
            new Ioctl("FDFMTTRK", FLOPPY, iow(2, 0x48, 12), IN, 12),
            new Ioctl("FDFMTEND", FLOPPY, io(2, 0x49), NONE, 0),
            new Ioctl("FDSETEMSGTRESH", FLOPPY, io(2, 0x4A), VALUE, 0),
            new Ioctl("FDFLUSH", FLOPPY, io(2, 0x4B), NONE, 0),
            new Ioctl("FDSETMAXERRS", FLOPPY, iow(2, 0x4C, 20), IN, 20),
            new Ioctl("FDGETMAXERRS", FLOPPY, ior(2, 0x0E, 20), OUT, 20),
            new Ioctl("FDGETDRVTYP", FLOPPY, ior(2, 0x0F, 16), OUT, 16),
            new Ioctl("FDSETDRVPRM", FLOPPY, iow(2, 0x90, 128), IN, 128),
            new Ioctl("FDGETDRVPRM", FLOPPY, ior(2, 0x11, 128), OUT, 128),
            new Ioctl("FDGETDRVSTAT", FLOPPY, ior(2, 0x12, 80), OUT, 80),
            new Ioctl("FDPOLLDRVSTAT", FLOPPY, ior(2, 0x13, 80), OUT, 80),
            new Ioctl("FDRESET", FLOPPY, io(2, 0x54), VALUE, 0),
            new Ioctl("FDWERRORCLR", FLOPPY, io(2, 0x56), NONE, 0),
            new Ioctl("FDWERRORGET", FLOPPY, ior(2, 0x17, 40), OUT, 40),
            new Ioctl("FDTWADDLE", FLOPPY, io(2, 0x59), NONE, 0),
            new Ioctl("FDEJECT", FLOPPY, io(2, 0x5A), NONE, 0),
            // loop devices (linux/loop.h), those without a caller's file descriptor
            new Ioctl("LOOP_CLR_FD", LOOP, 0x4C01, NONE, 0),
            new Ioctl("LOOP_SET_STATUS64", LOOP, 0x4C04, IN, 232),
            new Ioctl("LOOP_GET_STATUS64", LOOP, 0x4C05, OUT, 232),
            new Ioctl("LOOP_SET_CAPACITY", LOOP, 0x4C07, NONE, 0),
            new Ioctl("LOOP_SET_DIRECT_IO", LOOP, 0x4C08, VALUE, 0),
            new Ioctl("LOOP_SET_BLOCK_SIZE", LOOP, 0x4C09, VALUE, 0),
            // SCSI (scsi/scsi_ioctl.h, scsi/sg.h): the requests without nested pointers
            new Ioctl("SCSI_IOCTL_TEST_UNIT_READY", SCSI, 2, NONE, 0),
            new Ioctl("SCSI_IOCTL_START_UNIT", SCSI, 5, NONE, 0),
            new Ioctl("SCSI_IOCTL_STOP_UNIT", SCSI, 6, NONE, 0),
            new Ioctl("SCSI_IOCTL_DOORLOCK", SCSI, 0x5380, NONE, 0),
            new Ioctl("SCSI_IOCTL_DOORUNLOCK", SCSI, 0x5381, NONE, 0),
            new Ioctl("SCSI_IOCTL_GET_IDLUN", SCSI, 0x5382, OUT, 8),
            new Ioctl("SCSI_IOCTL_GET_BUS_NUMBER", SCSI, 0x5386, OUT, 4),
            new Ioctl("SG_SET_TIMEOUT", SCSI, 0x2201, IN, 4),
            new Ioctl("SG_GET_TIMEOUT", SCSI, 0x2202, NONE, 0),
            new Ioctl("SG_EMULATED_HOST", SCSI, 0x2203, OUT, 4),
            new Ioctl("SG_GET_RESERVED_SIZE", SCSI, 0x2272, OUT, 4),
            new Ioctl("SG_GET_VERSION_NUM", SCSI, 0x2282, OUT, 4),
            // persistent reservations (linux/pr.h)
            new Ioctl("IOC_PR_REGISTER", PR, iow('p', 200, 24), IN, 24),
            new Ioctl("IOC_PR_RESERVE", PR, iow('p', 201, 16), IN, 16),
            new Ioctl("IOC_PR_RELEASE", PR, iow('p', 202, 16), IN, 16),
            new Ioctl("IOC_PR_PREEMPT", PR, iow('p', 203, 24), IN, 24),
            new Ioctl("IOC_PR_PREEMPT_ABORT", PR, iow('p', 204, 24), IN, 24),
            new Ioctl("IOC_PR_CLEAR", PR, iow('p', 205, 16), IN, 16)));

    private final Map<String, Ioctl> byName;
    private final Map<String, List<Ioctl>> byGroup;

    /** A table of {@code entries}; two with one name are refused (one number may have two names). */
    public IoctlTable(List<Ioctl> entries) {
        Map<String, Ioctl> names = new LinkedHashMap<>();
        Map<String, List<Ioctl>> groups = new LinkedHashMap<>();
        for (Ioctl entry : entries) {
            if (names.putIfAbsent(entry.name(), entry) != null) {
                throw new IllegalArgumentException("ioctl " + entry.name() + " is in the table twice");
            }
            groups.computeIfAbsent(entry.group(), g -> new ArrayList<>()).add(entry);
        }
        this.byName = Collections.unmodifiableMap(names);
        groups.replaceAll((g, list) -> List.copyOf(list));
        this.byGroup = Collections.unmodifiableMap(groups);
    }

    /** The ioctls ENBD-J knows. */
    public static IoctlTable standard() {
        return STANDARD;
    }

    /** The entry named {@code name} (any case). */
    public Optional<Ioctl> named(String name) {
        return Optional.ofNullable(byName.get(name.strip().toUpperCase(Locale.ROOT)));
    }

    /** Every entry, in the table's order. */
    public List<Ioctl> entries() {
        return List.copyOf(byName.values());
    }

    /** The groups, in the table's order. */
    public Set<String> groups() {
        return new LinkedHashSet<>(byGroup.keySet());
    }

    /** The entries of one group; empty for a group the table does not have. */
    public List<Ioctl> group(String group) {
        return byGroup.getOrDefault(group, List.of());
    }

    /** {@code _IO(type, nr)}. */
    static long io(int type, int nr) {
        return ioc(0, type, nr, 0);
    }

    /** {@code _IOR(type, nr, size)}: the kernel writes. */
    static long ior(int type, int nr, int size) {
        return ioc(2, type, nr, size);
    }

    /** {@code _IOW(type, nr, size)}: the kernel reads. */
    static long iow(int type, int nr, int size) {
        return ioc(1, type, nr, size);
    }

    /** {@code _IOWR(type, nr, size)}. */
    static long iowr(int type, int nr, int size) {
        return ioc(3, type, nr, size);
    }

    private static long ioc(int direction, int type, int nr, int size) {
        return ((long) direction << 30) | ((long) size << 16) | ((long) type << 8) | nr;
    }
}
