package org.enbd.itest.console;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ENBD-J page's live throughput chart in headless chromium while nbdcopy writes into the export: the page's
 * write figure (from status.json, polled every second) reads a rate of at least a KiB per second, and the canvas
 * holds pixels of the write line's colour.
 */
class LiveChartTest {
    @TempDir
    Path work;

    @Test
    void theChartMovesDuringACopy() throws Exception {
        Distribution.requireTool("chromium");
        Distribution.requireTool("nbdcopy");
        try (Distribution enbd = new Distribution(work)) {
            Path image = enbd.image(32);
            String page = "http://admin:admin@127.0.0.1:" + enbd.consolePort + "/system/console/enbd";
            AtomicBoolean stop = new AtomicBoolean();
            try (DevTools browser = DevTools.open(enbd, work, page)) {
                browser.awaitValue("the page's chart", "!!document.getElementById('enbd-chart')", "\"value\":true");
                CompletableFuture<Void> copies = CompletableFuture.runAsync(() -> {
                    try {
                        while (!stop.get()) {
                            enbd.run("nbdcopy", "--requests=4", image.toString(),
                                    "nbd://127.0.0.1:" + enbd.nbdPort + "/disk");
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                try {
                    // a rate of at least a KiB per second, whatever the machine's speed (MiB/s here, GiB/s in CI)
                    java.util.regex.Pattern moving = java.util.regex.Pattern.compile(
                            "\"value\":\"[1-9][0-9.]* (KiB|MiB|GiB)/s\"");
                    String figure = Distribution.await("the page's write rate", 30,
                            () -> browser.evaluate("document.getElementById('enbd-write').textContent"),
                            v -> moving.matcher(v).find());
                    assertTrue(moving.matcher(figure).find(), figure);
                    // the write line is drawn in #1f5fbf: some pixel of the canvas has that colour
                    browser.awaitValue("the write line on the canvas", "(() => { const c = document.getElementById("
                            + "'enbd-chart'); const d = c.getContext('2d').getImageData(0, 0, c.width, c.height)"
                            + ".data; for (let i = 0; i < d.length; i += 4) { if (d[i] === 0x1f && d[i + 1] === 0x5f"
                            + " && d[i + 2] === 0xbf) return true; } return false; })()", "\"value\":true");
                } finally {
                    stop.set(true);
                }
                copies.get(120, java.util.concurrent.TimeUnit.SECONDS);
            }
        }
    }
}
