package org.enbd.itest.kernel;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.enbd.itest.guest.GuestScenario;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Linux kernel's nbd driver attached to ENBD-J: boots Debian's stock kernel under QEMU (vm/kernel-attach.sh)
 * and runs the guest scenario there: attach, mkfs and files, the server killed with -9 mid-write and restarted,
 * fsck, the client killed with -9 and the device taken over by the next attach, the export grown on the server
 * and the kernel device resized to follow (ENBD's extension, netlink NBD_CMD_RECONFIGURE), a clean disconnect, dd
 * throughput against Debian's nbd-client, and (with the distribution) {@code --kernel-sockets}: the kernel on
 * sockets the client connected, the server killed and restarted under a writer, the sockets replaced. Skips only when qemu-system-x86_64 is missing. The first attach is the
 * distribution's {@code enbd client --device} when launcher/target/dist is built.
 */
class KernelAttachTest {
    /** Checks the guest must report, in order of the scenario. */
    private static final List<String> REQUIRED = List.of("attach", "device-size", "state-file", "mkfs", "mount",
            "files-written", "killed-mid-write", "server-restarted", "writes-complete", "writer-exit-0", "big-file-intact",
            "fsck-clean", "file1-intact", "file4-intact", "big-file-reread", "left-attached", "reattach-after-kill",
            "contents-after-reattach", "resized", "read-past-old-end", "enbd-throughput", "clean-exit", "detached", "state-file-removed",
            "nbd-client-throughput");

    /** With the distribution's client (modes mixed and dist): the kernel-sockets scenario too. */
    private static final List<String> REQUIRED_WITH_DIST = List.of("kernel-sockets-attach", "kernel-sockets-backend",
            "kernel-sockets-writer-held", "kernel-sockets-reconnected", "kernel-sockets-writes-complete",
            "kernel-sockets-data", "kernel-sockets-detached");

    @Test
    @Timeout(value = 12, unit = TimeUnit.MINUTES)
    void theKernelDriverRunsOnEnbdAndNeverSeesTheServerDie() throws Exception {
        Assumptions.assumeTrue(GuestScenario.onPath("qemu-system-x86_64"),
                "qemu-system-x86_64 is not installed (apt-get install qemu-system-x86): kernel test skipped");
        Path module = GuestNode.repo().resolve("itests/kernel-attach");
        // default: mixed (the distribution's enbd client for the first attach) when the distribution is built,
        // else plain (the engines as plain Java); -Denbd.kernel.mode=plain|mixed|dist chooses
        String mode = System.getProperty("enbd.kernel.mode", "");
        List<String> command = new ArrayList<>(List.of(module.resolve("vm/kernel-attach.sh").toString()));
        if (!mode.isEmpty()) {
            command.add(mode);
        }
        long start = System.nanoTime();
        GuestScenario guest = GuestScenario.run(command);
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
        System.out.println("kernel-attach: " + seconds + " s");
        List<String> lines = guest.lines();
        boolean withDist = lines.contains("kernel-attach: mode mixed") || lines.contains("kernel-attach: mode dist");
        guest.assertPassed(withDist ? concat(REQUIRED, REQUIRED_WITH_DIST) : REQUIRED);
        assertTrue(lines.stream().anyMatch(l -> l.matches("RESULT enbd-j dd read [0-9.]+ MB/s")), "no dd figure");
    }

    private static List<String> concat(List<String> a, List<String> b) {
        return Stream.concat(a.stream(), b.stream()).toList();
    }
}
