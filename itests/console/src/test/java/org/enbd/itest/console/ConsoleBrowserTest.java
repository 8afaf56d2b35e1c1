package org.enbd.itest.console;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian's chromium, headless, logs into the console of a running distribution and opens the ENBD-J page: the
 * DOM its script built shows the export with its backend and feature stack and the bytes a copy wrote; without
 * the login it shows none of it. The screenshot it takes is the README's (docs/console-enbd.png).
 */
class ConsoleBrowserTest {
    @TempDir
    Path work;

    @Test
    void theEnbdPageShowsTheExportAndWhatACopyWrote() throws Exception {
        Distribution.requireTool("chromium");
        Distribution.requireTool("nbdcopy");
        try (Distribution enbd = new Distribution(work)) {
            enbd.copyIn(8);
            Distribution.await("the stats status counting the copy", 30,
                    () -> enbd.get("/system/console/enbd/status.json", true).body(),
                    json -> json.contains("\"write.bytes\":8388608"));
            String page = "http://127.0.0.1:" + enbd.consolePort + "/system/console/enbd";
            String withLogin = page.replace("http://", "http://admin:admin@");

            String dom = chromium(enbd, "--dump-dom", withLogin);
            assertTrue(dom.contains("<td title=\"org.enbd.server.export~disk\">disk</td>"), dom);
            assertTrue(dom.contains("<td>memory:64M</td><td>stats</td>"), dom);
            assertTrue(dom.contains("<td>8.0 MiB in "), "the stats row, written by the page's script: " + dom);
            assertTrue(dom.contains("listening on 127.0.0.1:" + enbd.nbdPort), dom);

            String refused = chromium(enbd, "--dump-dom", page);
            assertFalse(refused.contains("memory:64M"), refused);

            Path shot = Path.of(System.getProperty("enbd.screenshot", work.resolve("console-enbd.png").toString()));
            Files.createDirectories(shot.toAbsolutePath().getParent());
            Files.deleteIfExists(shot);
            chromium(enbd, "--screenshot=" + shot.toAbsolutePath(), withLogin);
            byte[] png = Files.readAllBytes(shot);
            assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, Arrays.copyOf(png, 4));
            assertTrue(png.length > 10_000, "a screenshot of " + png.length + " bytes is blank");
        }
    }

    /** Runs headless chromium once (its own profile, the page's script given 5 s of virtual time). */
    private String chromium(Distribution enbd, String... arguments) throws Exception {
        Path out = Files.createTempFile(work, "chromium", ".out");
        List<String> command = new ArrayList<>(List.of("chromium", "--headless", "--no-sandbox", "--disable-gpu",
                "--hide-scrollbars", "--no-first-run", "--user-data-dir=" + Files.createTempDirectory(work, "profile"),
                "--window-size=1280,900", "--virtual-time-budget=5000"));
        command.addAll(List.of(arguments));
        Process p = enbd.start(work.resolve("chromium.err"), out, command.toArray(String[]::new));
        if (!p.waitFor(90, java.util.concurrent.TimeUnit.SECONDS)) {
            throw new AssertionError("chromium did not finish in 90 s: " + Files.readString(work.resolve(
                    "chromium.err")));
        }
        return Files.readString(out);
    }
}
