package org.enbd.itest.cuse;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.enbd.itest.guest.GuestScenario;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * ENBD-J's CUSE control node under the Linux kernel's cuse driver: boots Debian's stock kernel under QEMU
 * (vm/cuse-kernel.sh), the distribution's {@code enbd server} exporting a loop device with
 * {@code features=ioctl,ioctls=block} and its {@code enbd client --device /dev/nbd0} with the node configured;
 * a python3 program calls ioctls on {@code /dev/enbd/nbd0-ctl} with fcntl.ioctl: BLKGETSIZE64, BLKSSZGET,
 * BLKPBSZGET and BLKROGET equal the loop device's own answers, CDROM_DRIVE_STATUS (not allowed) fails with EPERM,
 * a number outside the table with ENOTTY; a scsi_debug CD-ROM exported as {@code removable:/dev/sr0} with
 * {@code ioctls=cdrom} answers CDROM_DRIVE_STATUS, CDROM_DISC_STATUS and CDROM_GET_CAPABILITY through its own
 * node ({@code /dev/enbd/cd-ctl}) as /dev/sr0 does, refuses BLKGETSIZE64 with EPERM, and CDROMEJECT on the node
 * opens the drive's tray (CDROM_DRIVE_STATUS 2 on the node and on /dev/sr0); the nodes go away with the client. Skips when qemu-system-x86_64 or
 * python3 is missing or the distribution is not built.
 */
class CuseKernelTest {
    private static final List<String> REQUIRED = List.of("modprobe-cuse", "cuse-exists", "loop-device", "server-up",
            "node-appears", "nbd0-attached", "blkgetsize64-equal", "blksszget-equal", "blkpbszget-equal",
            "blkroget-equal", "not-allowed-eperm", "unknown-enotty", "second-open", "cdrom-device", "cd-node-appears",
            "cd-cdrom_drive_status-equal", "cd-cdrom_disc_status-equal", "cd-cdrom_get_capability-equal",
            "cd-block-not-allowed-eperm", "cd-eject", "cd-tray-open-seen", "python-ran", "client-logged-refusal", "client-exit-0", "nodes-removed");

    @Test
    @Timeout(value = 14, unit = TimeUnit.MINUTES)
    void programsCallTheExportsIoctlsOnTheCuseNodeAndGetTheServersAnswers() throws Exception {
        GuestScenario.assumeTools("qemu-system-x86_64", "python3");
        GuestScenario.assumeDistribution();
        GuestScenario.run(List.of(GuestScenario.repo().resolve("itests/cuse-kernel/vm/cuse-kernel.sh").toString()))
                .assertPassed(REQUIRED);
    }
}
