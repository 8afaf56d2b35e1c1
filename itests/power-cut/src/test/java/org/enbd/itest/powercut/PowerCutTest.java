package org.enbd.itest.powercut;

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
        Assumptions.assumeTrue(onPath("qemu-system-x86_64"), "qemu-system-x86_64 is not installed: skipped");
        Assumptions.assumeTrue(Files.exists(Path.of("/usr/lib/python3/dist-packages/nbd.py")),
                "python3-libnbd is not installed (the guest uses the host's): skipped");
        Path repo = Path.of(System.getProperty("enbd.repo", "../.."));
        Assumptions.assumeTrue(Files.exists(repo.resolve("launcher/target/dist/enbd.jar")),
                "the distribution is not built (launcher/target/dist): skipped");
        Process vm = new ProcessBuilder(repo.resolve("itests/power-cut/vm/power-cut.sh").toString())
                .redirectErrorStream(true).start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(vm.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                if (!line.startsWith("ACK ")) { // a thousand of them: the RESULT lines sum them up
                    System.out.println(line);
                }
                lines.add(line);
            }
        } finally {
            if (!vm.waitFor(30, TimeUnit.SECONDS)) {
                vm.destroyForcibly();
            }
        }
        String log = String.join("\n", lines.stream().filter(l -> !l.startsWith("ACK ")).toList());
        List<String> failed = lines.stream().filter(l -> l.startsWith("CHECK ") && !l.endsWith(": ok")).toList();
        assertEquals(List.of(), failed, () -> "failed checks; the log:\n" + log);
        for (String check : REQUIRED) {
            assertTrue(lines.contains("CHECK " + check + ": ok"), () -> "no check " + check + "; the log:\n" + log);
        }
        assertEquals(0, vm.exitValue(), () -> "the check boot's exit status; the log:\n" + log);
    }

    private static boolean onPath(String tool) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin") + ":/usr/sbin:/sbin";
        return Stream.of(path.split(":")).anyMatch(dir -> Files.isExecutable(Path.of(dir, tool)));
    }
}
