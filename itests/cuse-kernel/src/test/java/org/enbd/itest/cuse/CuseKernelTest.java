package org.enbd.itest.cuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
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
        Assumptions.assumeTrue(onPath("qemu-system-x86_64"), "qemu-system-x86_64 is not installed: skipped");
        Assumptions.assumeTrue(onPath("python3"), "python3 is not installed (the guest uses the host's): skipped");
        Path repo = Path.of(System.getProperty("enbd.repo", "../.."));
        Assumptions.assumeTrue(Files.exists(repo.resolve("launcher/target/dist/enbd.jar")),
                "the distribution is not built (launcher/target/dist): skipped");
        Process vm = new ProcessBuilder(repo.resolve("itests/cuse-kernel/vm/cuse-kernel.sh").toString())
                .redirectErrorStream(true).start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(vm.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                System.out.println(line);
                lines.add(line);
            }
        } finally {
            if (!vm.waitFor(30, TimeUnit.SECONDS)) {
                vm.destroyForcibly();
            }
        }
        String log = String.join("\n", lines);
        List<String> failed = lines.stream().filter(l -> l.startsWith("CHECK ") && !l.endsWith(": ok")).toList();
        assertEquals(List.of(), failed, () -> "failed checks in the guest; its log:\n" + log);
        for (String check : REQUIRED) {
            assertTrue(lines.contains("CHECK " + check + ": ok"), () -> "the guest did not report check " + check
                    + "; its log:\n" + log);
        }
        assertEquals(0, vm.exitValue(), () -> "the guest's exit status; its log:\n" + log);
    }

    private static boolean onPath(String tool) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin") + ":/usr/sbin:/sbin";
        return Stream.of(path.split(":")).anyMatch(dir -> Files.isExecutable(Path.of(dir, tool)));
    }
}
