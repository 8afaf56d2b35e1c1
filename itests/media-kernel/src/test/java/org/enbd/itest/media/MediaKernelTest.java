package org.enbd.itest.media;

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
        Assumptions.assumeTrue(onPath("qemu-system-x86_64"), "qemu-system-x86_64 is not installed: skipped");
        Path repo = Path.of(System.getProperty("enbd.repo", "../.."));
        Assumptions.assumeTrue(Files.exists(repo.resolve("launcher/target/dist/enbd.jar")),
                "the distribution is not built (launcher/target/dist): skipped");
        Process vm = new ProcessBuilder(repo.resolve("itests/media-kernel/vm/media-kernel.sh").toString())
                .redirectErrorStream(true).start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(vm.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                System.out.println(line); // in the surefire report
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
