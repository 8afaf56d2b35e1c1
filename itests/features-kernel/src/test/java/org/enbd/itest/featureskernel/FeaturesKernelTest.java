package org.enbd.itest.featureskernel;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.enbd.itest.guest.GuestScenario;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * ENBD's data features on the Linux kernel's nbd driver (loaded with max_part=0), in one QEMU guest
 * (vm/features-kernel.sh): the distribution's server and one {@code enbd client} with four kernel devices.
 * Copy-on-write as ENBD's NFS root (two devices over one read-only ext4 image, each writing its own files and
 * seeing only those, the image's sha256 unchanged, a file overlay that outlives its client process: the client
 * killed with SIGKILL after a sync and started again finds its changes, the memory overlay's are gone), partitions (a GPT disk
 * shows p1 and p2, p2 mounts; one partition as its own device through the partition feature; a table rewritten
 * through the device read again), and swap (ENBD's -s): the restarted client's /dev/nbd4, memlock and kernel
 * sockets, is the guest's only swap while a program touches RAM + 64 MiB and reads it back intact (README.md).
 * Skips when qemu-system-x86_64, sgdisk or mkfs.ext4 is missing or the distribution is not built.
 */
class FeaturesKernelTest {
    private static final List<String> REQUIRED = List.of("max-part-zero", "server-cgroup", "attached",
            "cow-mount-a", "cow-mount-b", "cow-golden-a", "cow-golden-b", "cow-fsck-a", "cow-fsck-b", "cow-a-own",
            "cow-a-blob", "cow-a-not-b", "cow-a-keeps-hostname", "cow-b-own", "cow-b-not-a", "cow-b-removed",
            "cow-image-unchanged", "cow-file-overlay",
            "part-p1", "part-p2", "part-p1-size", "part-p2-mount", "part-p2-file", "part-feature-size",
            "part-feature-mount", "part-feature-file", "part-rewrite", "part-reread-p3", "part-reread-p3-size", "part-reread-p1-gone",
            "part-server-image", "part-p2-after-rewrite", "part-p2-file-after-rewrite",
            "restart-killed", "restart-attached", "restart-mount-a", "restart-a-own", "restart-a-blob",
            "restart-a-synced-before-kill",
            "restart-mount-b", "restart-b-memory-overlay-gone", "restart-b-golden", "restart-image-unchanged",
            "swap-disk", "swap-attached", "swap-mkswap", "swap-on", "swap-only-nbd4", "swap-pressure-survived",
            "swap-pressure-data-intact", "swap-was-used", "swap-client-alive", "swap-off",
            "client-stopped", "client-detached", "server-stopped");

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void copyOnWritePartitionsAndSwapOnKernelDevicesWithMaxPartZero() throws Exception {
        GuestScenario.assumeTools("qemu-system-x86_64", "sgdisk", "mkfs.ext4");
        GuestScenario.assumeDistribution();
        GuestScenario.run(List.of(GuestScenario.repo().resolve("itests/features-kernel/vm/features-kernel.sh")
                .toString())).assertPassed(REQUIRED);
    }
}
