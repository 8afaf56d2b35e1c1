package org.enbd.itest.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A kernel VM scenario as a JUnit test runs it: the host script (which boots Debian's kernel under QEMU through
 * itests/kernel-attach/vm/run-guest.sh and runs a guest script there) is started, its output printed as it comes
 * (so it is in the surefire report) and kept; then every {@code CHECK name: ok|FAILED ...} line the guest printed
 * is asserted, each required check must be there, and the script must exit 0. A failure message carries the log.
 */
public final class GuestScenario {
    private final List<String> lines;
    private final int exitValue;
    private final Predicate<String> quiet;

    private GuestScenario(List<String> lines, int exitValue, Predicate<String> quiet) {
        this.lines = List.copyOf(lines);
        this.exitValue = exitValue;
        this.quiet = quiet;
    }

    /** The repository (the module's working directory is two levels down; {@code -Denbd.repo} overrides). */
    public static Path repo() {
        return Path.of(System.getProperty("enbd.repo", "../.."));
    }

    /** Skips the test unless every tool is on the PATH (sbin included). */
    public static void assumeTools(String... tools) {
        for (String tool : tools) {
            Assumptions.assumeTrue(onPath(tool), tool + " is not installed (the guest uses the host's /usr): skipped");
        }
    }

    /** Skips the test unless the distribution the guest runs is built (launcher/target/dist). */
    public static void assumeDistribution() {
        Assumptions.assumeTrue(Files.exists(repo().resolve("launcher/target/dist/enbd.jar")),
                "the distribution is not built (launcher/target/dist): skipped");
    }

    public static boolean onPath(String tool) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin") + ":/usr/sbin:/sbin";
        return Stream.of(path.split(":")).anyMatch(dir -> Files.isExecutable(Path.of(dir, tool)));
    }

    /** Runs {@code command} (the host script and its arguments) to its end. */
    public static GuestScenario run(List<String> command) throws IOException, InterruptedException {
        return run(command, line -> false);
    }

    /** As {@link #run(List)}; lines {@code quiet} accepts are kept but neither printed nor shown in messages. */
    public static GuestScenario run(List<String> command, Predicate<String> quiet)
            throws IOException, InterruptedException {
        Process vm = new ProcessBuilder(command).redirectErrorStream(true).start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(vm.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                if (!quiet.test(line)) {
                    System.out.println(line);
                }
                lines.add(line);
            }
        } finally {
            if (!vm.waitFor(30, TimeUnit.SECONDS)) {
                vm.destroyForcibly();
            }
        }
        return new GuestScenario(lines, vm.exitValue(), quiet);
    }

    /** Everything the script printed. */
    public List<String> lines() {
        return lines;
    }

    /** Asserts: no CHECK failed, each of {@code required} reported ok, and the script exited 0. */
    public void assertPassed(List<String> required) {
        String log = String.join("\n", lines.stream().filter(quiet.negate()).toList());
        List<String> failed = lines.stream().filter(l -> l.startsWith("CHECK ") && !l.endsWith(": ok")).toList();
        assertEquals(List.of(), failed, () -> "failed checks in the guest; its log:\n" + log);
        for (String check : required) {
            assertTrue(lines.contains("CHECK " + check + ": ok"), () -> "the guest did not report check " + check
                    + "; its log:\n" + log);
        }
        assertEquals(0, exitValue, () -> "the guest's exit status; its log:\n" + log);
    }
}
