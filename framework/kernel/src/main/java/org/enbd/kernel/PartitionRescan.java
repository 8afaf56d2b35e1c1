package org.enbd.kernel;

import java.io.IOException;
import org.enbd.kernel.sys.ErrnoException;
import org.enbd.kernel.sys.Libc;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * BLKRRPART on a freshly attached device, so its partitions show ({@code /dev/nbd0p1}, {@code p2}) whether or not
 * the nbd module was loaded with {@code max_part}: with {@code max_part=0} Debian's 6.1 driver does not ask for a
 * scan when it connects, yet the disk can have partitions (extended minors) once asked. Blocks while the kernel
 * reads the table through the relay: call it off any event loop, after the relay serves.
 */
final class PartitionRescan {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionRescan.class);
    private static final long BLKRRPART = 0x125f;

    private PartitionRescan() {
    }

    /** Asks the kernel to read {@code node}'s partition table; a refusal (a kernel without partitions) is logged. */
    static void request(String node) {
        try {
            int fd = Libc.open(node, Libc.O_CLOEXEC);
            try {
                Libc.ioctl(fd, BLKRRPART, 0, "ioctl BLKRRPART on " + node);
            } finally {
                Libc.close(fd);
            }
        } catch (ErrnoException e) {
            LOG.debug("{}: no partition scan: {}", node, e.getMessage());
        } catch (IOException e) {
            LOG.warn("{}: cannot ask for a partition scan: {}", node, e.getMessage());
        }
    }
}
