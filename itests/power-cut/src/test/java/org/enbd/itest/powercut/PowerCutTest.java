package org.enbd.itest.powercut;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.enbd.itest.guest.GuestScenario;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * ENBD-J's sync modes through a power cut (vm/power-cut.sh): the distribution's server in a QEMU guest serves one
 * virtio disk with {@code features=sync,sync=always}, one with {@code sync=fua-only} and one with {@code sync=none};
 * a libnbd writer writes numbered blocks to all three (with FUA only on the first half of the fua-only disk's) and
 * prints each answered write; the host kills QEMU with -9 while the writer writes on, boots the guest again with the
 * same disks and looks for every block acknowledged before the kill. Every one is on the {@code always} disk, every
 * FUA one on the {@code fua-only} disk; some plain ones are missing from the {@code fua-only} and {@code none}
 * disks (they were only in the guest's page cache), which shows the test can tell the modes apart. Skips when qemu-system-x86_64 or python3-libnbd is missing or the
 * distribution is not built.
 */
class PowerCutTest {
    private static final List<String> REQUIRED = List.of("power-cut", "disks",
            "always-keeps-every-acknowledged-write", "fua-only-keeps-every-fua-write", "fua-only-loses-plain-writes",
            "none-loses-acknowledged-writes");

    @Test
    @Timeout(value = 9, unit = TimeUnit.MINUTES)
    void everyWriteAcknowledgedWithSyncAlwaysSurvivesAPowerCutAndSyncNoneLosesSome() throws Exception {
        GuestScenario.assumeTools("qemu-system-x86_64");
        Assumptions.assumeTrue(Files.exists(Path.of("/usr/lib/python3/dist-packages/nbd.py")),
                "python3-libnbd is not installed (the guest uses the host's): skipped");
        GuestScenario.assumeDistribution();
        // a thousand ACK lines: the RESULT lines sum them up
        GuestScenario.run(List.of(GuestScenario.repo().resolve("itests/power-cut/vm/power-cut.sh").toString()),
                line -> line.startsWith("ACK ")).assertPassed(REQUIRED);
    }
}
