package org.enbd.itest.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Felix Web Console's own Configuration page, driven in headless chromium as a user drives it: the export's
 * configuration dialog is opened, its Features field changed from {@code stats} to {@code stats+fault} and Save
 * clicked, while nbdcopy writes into the export over and over. The export takes the new stack at once, under the
 * copies' open connections (no copy fails), and what they wrote is on the server.
 */
class ConfigurationPageTest {
    private static final String EXPORT = "org.enbd.server.export~disk";

    @TempDir
    Path work;

    @Test
    void featuresChangedOnTheConfigurationPageApplyUnderAConnectionInUse() throws Exception {
        Distribution.requireTool("chromium");
        Distribution.requireTool("nbdcopy");
        try (Distribution enbd = new Distribution(work)) {
            assertTrue(detail(status(enbd)).endsWith(" with stats"), status(enbd));
            Path image = enbd.image(16);
            String target = "nbd://127.0.0.1:" + enbd.nbdPort + "/disk";
            java.util.concurrent.atomic.AtomicBoolean applied = new java.util.concurrent.atomic.AtomicBoolean();
            java.util.concurrent.atomic.AtomicInteger passes = new java.util.concurrent.atomic.AtomicInteger();
            String page = "http://admin:admin@127.0.0.1:" + enbd.consolePort + "/system/console/configMgr";
            CompletableFuture<Void> copies;
            try (DevTools browser = DevTools.open(enbd, work, page)) { // the browser first: it starts slowly
                browser.awaitValue("the Configuration page's script", "typeof configure", "\"value\":\"function\"");
                copies = CompletableFuture.runAsync(() -> {
                    try {
                        int after = 0;
                        while (after < 2) { // copies before, during and after the change
                            boolean wasApplied = applied.get();
                            enbd.run("nbdcopy", "--requests=4", image.toString(), target);
                            passes.incrementAndGet();
                            after += wasApplied ? 1 : 0;
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                Distribution.await("the first copy", 60, passes::get, n -> n >= 1);
                browser.evaluate("configure('" + EXPORT + "')"); // what clicking the export's row does
                browser.awaitValue("the export's dialog with its Features field",
                        "document.querySelectorAll('#editorForm [name=features]').length > 0", "\"value\":true");
                browser.evaluate("document.querySelector('#editorForm [name=features]').value = 'stats+fault'");
                browser.evaluate("Array.from(document.querySelectorAll('.ui-dialog-buttonpane button'))"
                        + ".find(b => b.textContent.trim() === 'Save').click()");
            }
            String json = Distribution.await("the export restacked with stats+fault", 30,
                    () -> status(enbd), j -> detail(j).endsWith(" with stats+fault"));
            applied.set(true);
            assertTrue(json.contains("{\"id\":\"" + EXPORT + "\",\"state\":\"UP\""), json);
            copies.get(120, java.util.concurrent.TimeUnit.SECONDS); // every pass exited 0
            Path back = work.resolve("back.img");
            enbd.run("nbdcopy", target, back.toString());
            byte[] written = Files.readAllBytes(image);
            byte[] served = Files.readAllBytes(back);
            assertEquals(-1, java.util.Arrays.mismatch(written, java.util.Arrays.copyOf(served, written.length)),
                    "the server holds what the copies wrote");
        }
    }

    /** The export's detail line in the ENBD-J page's model. */
    private static String detail(String json) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\{\"id\":\"" + java.util.regex.Pattern.quote(EXPORT)
                + "\",\"state\":\"[A-Z]+\",\"detail\":\"([^\"]*)\"").matcher(json);
        return m.find() ? m.group(1) : "";
    }

    private static String status(Distribution enbd) throws Exception {
        return enbd.get("/system/console/enbd/status.json", true).body();
    }
}
