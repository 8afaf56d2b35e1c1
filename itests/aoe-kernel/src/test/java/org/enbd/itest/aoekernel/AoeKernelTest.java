package org.enbd.itest.aoekernel;

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
 * The Linux kernel's AoE initiator (aoe.ko, aoetools) against ENBD-J's AoE target: boots Debian's stock kernel
 * under QEMU (vm/aoe-kernel.sh) with a veth pair in the guest, the distribution's {@code enbd server --listen
 * aoe:aoet --export disk=file:IMG,aoe=1.0} on one end and aoe.ko on the other: discovery of /dev/etherd/e1.0,
 * mkfs.ext4, files compared by sha256, the target killed with -9 while a file is written and started again, the
 * write completing (the restarted target is plain Java, AoeTargetMain: the framework starts too slowly under
 * emulation for twice in the budget), e2fsck clean, the files read again from the device. Skips when
 * qemu-system-x86_64 or aoetools
 * is missing or the distribution is not built.
 */
class AoeKernelTest {
    private static final List<String> REQUIRED = List.of("target-up", "modprobe-aoe", "discovered", "mkfs", "mount",
            "files-written", "killed-mid-write", "target-restarted", "writes-complete", "writer-exit-0",
            "big-file-intact", "umount", "fsck-clean", "remount-ro", "file1-intact", "file2-intact", "file3-intact",
            "big-file-reread", "device-is-file", "target-exit-clean");

    @Test
    @Timeout(value = 8, unit = TimeUnit.MINUTES)
    void theKernelsAoeDriverRunsAFileSystemOnEnbdJsTargetThroughAKill() throws Exception {
        Assumptions.assumeTrue(onPath("qemu-system-x86_64"), "qemu-system-x86_64 is not installed: skipped");
        Assumptions.assumeTrue(onPath("aoe-discover"), "aoetools is not installed (the guest uses the host's): skipped");
        Path repo = Path.of(System.getProperty("enbd.repo", "../.."));
        Assumptions.assumeTrue(Files.exists(repo.resolve("launcher/target/dist/enbd.jar")),
                "the distribution is not built (launcher/target/dist): skipped");
        Process vm = new ProcessBuilder(repo.resolve("itests/aoe-kernel/vm/aoe-kernel.sh").toString())
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
        List<String> failed = lines.stream().filter(l -> l.startsWith("CHECK ") && !l.endsWith(": ok")).toList();
        assertEquals(List.of(), failed, "failed checks in the guest");
        for (String check : REQUIRED) {
            assertTrue(lines.contains("CHECK " + check + ": ok"), "the guest did not report check " + check);
        }
        assertEquals(0, vm.exitValue(), "the guest's exit status");
    }

    private static boolean onPath(String tool) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin") + ":/usr/sbin:/sbin";
        return Stream.of(path.split(":")).anyMatch(dir -> Files.isExecutable(Path.of(dir, tool)));
    }
}
