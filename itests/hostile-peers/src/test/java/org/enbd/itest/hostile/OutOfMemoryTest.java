package org.enbd.itest.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An OutOfMemoryError is never a zombie: the distribution's launcher in a heap too small to start in exits at
 * once with status 3 and says why, instead of leaving Felix's threads running a process that serves nothing.
 * Without ./enbd's -XX:+ExitOnOutOfMemoryError, so that the launcher's own policy is what is tested.
 */
class OutOfMemoryTest {
    @Test
    void theLauncherExitsWithStatus3WhenTheHeapRunsOut(@TempDir Path dir) throws Exception {
        Path jar = Path.of(System.getProperty("enbd.dist", "../../launcher/target/dist"), "enbd.jar");
        assumeTrue(Files.isRegularFile(jar), "no distribution at " + jar + " (mvn package -pl launcher)");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"));
        for (String option : ServerProcess.enbdJvmOptions()) {
            if (!option.startsWith("-Xm") && !option.equals("-XX:+ExitOnOutOfMemoryError")) {
                command.add(option);
            }
        }
        command.addAll(List.of("-Xmx8m", "-jar", jar.toString(), "server", "--ephemeral", "--console", "off",
                "--listen", "127.0.0.1:0"));
        Path err = dir.resolve("stderr");
        Process enbd = new ProcessBuilder(command).redirectOutput(dir.resolve("stdout").toFile())
                .redirectError(err.toFile()).start();
        boolean ended = enbd.waitFor(120, TimeUnit.SECONDS);
        if (!ended) {
            enbd.destroyForcibly().waitFor();
        }
        String log = Files.readString(err);
        assertTrue(ended, "still running after the heap ran out:\n" + log);
        assertEquals(3, enbd.exitValue(), log);
        assertTrue(log.contains("OutOfMemoryError"), "says why:\n" + log);
    }
}
