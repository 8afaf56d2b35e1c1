package org.enbd.itest.media;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.enbd.itest.guest.GuestScenario;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Removable media and remote ioctls under the Linux kernel's stock nbd driver: boots Debian's kernel under QEMU
 * (vm/media-kernel.sh), where the distribution's {@code enbd server} exports a read-only loop device, an image
 * file and a scsi_debug CD-ROM as {@code removable:} media and one {@code enbd client} attaches them to
 * /dev/nbd0-2. LOOP_CHANGE_FD gives /dev/nbd0 a new disk sequence number, a change uevent and the new medium's
 * bytes (not the cached old ones); LOOP_SET_CAPACITY gives it the new size; an image replaced with mv does the
 * same on /dev/nbd1, and a write in flight across that change does not land on the new image while a write after
 * it does; a write the kernel sends for the old medium after the server changed it (the client stopped meanwhile)
 * fails and leaves the new image as it was; {@code enbd ioctl /dev/nbd2 CDROMEJECT} opens the drive's tray, CDROM_DRIVE_STATUS over the net says
 * so, the device's size goes to 0, and BLKFLSBUF (not in ioctls=cdrom) is refused with EPERM and logged. Skips
 * when qemu-system-x86_64 is missing or the distribution is not built.
 */
class MediaKernelTest {
    private static final List<String> REQUIRED = List.of("scsi-debug-cdrom", "attach-all", "attach-size",
            "loop-old-bytes", "loop-change-fd-new-diskseq", "loop-change-fd-uevent", "loop-new-bytes",
            "loop-set-capacity-size", "loop-read-new-end", "img-old-bytes", "img-mv-new-diskseq", "img-mv-uevent",
            "img-new-bytes", "inflight-write-not-on-new-medium", "write-after-change", "write-after-change-landed",
            "late-write-refused", "late-write-not-on-new-medium", "late-new-diskseq", "late-new-bytes",
            "cd-disc-ok", "cd-size", "cd-eject-over-net", "cd-tray-open", "cd-status-over-net", "cd-no-medium-size-0",
            "ioctl-not-allowed-refused", "ioctl-refusal-logged");

    @Test
    @Timeout(value = 11, unit = TimeUnit.MINUTES)
    void aNewMediumOnTheServerIsANewDiskInTheClientsKernelAndIoctlsReachTheDrive() throws Exception {
        GuestScenario.assumeTools("qemu-system-x86_64");
        GuestScenario.assumeDistribution();
        GuestScenario.run(List.of(GuestScenario.repo().resolve("itests/media-kernel/vm/media-kernel.sh").toString()))
                .assertPassed(REQUIRED);
    }
}
