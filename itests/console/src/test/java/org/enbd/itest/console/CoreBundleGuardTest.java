package org.enbd.itest.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Web Console's Bundles page asked (as its buttons ask: POST /system/console/bundles/ID action=...) to stop or
 * update a core bundle of a running server refuses with 409 and the reason, and the server goes on serving; a
 * feature bundle is stopped as asked.
 */
class CoreBundleGuardTest {
    @TempDir
    Path work;

    @Test
    void coreBundlesAreRefusedWithTheReasonAndFeaturesAreNot() throws Exception {
        Distribution.requireTool("nbdinfo");
        try (Distribution enbd = new Distribution(work)) {
            String bundles = enbd.get("/system/console/bundles.json", true).body();
            long server = id(bundles, "org.enbd.server");
            long fault = id(bundles, "org.enbd.feature.fault");
            for (String action : new String[] {"stop", "update", "uninstall", "refresh"}) {
                HttpResponse<String> refused = enbd.post("/system/console/bundles/" + server, "action=" + action);
                assertEquals(409, refused.statusCode(), action + ": " + refused.body());
                assertTrue(refused.body().contains("will not " + action + " org.enbd.server, a core bundle of"
                        + " ENBD-J"), refused.body());
            }
            enbd.run("nbdinfo", "nbd://127.0.0.1:" + enbd.nbdPort + "/disk"); // still serving

            HttpResponse<String> stopped = enbd.post("/system/console/bundles/" + fault, "action=stop");
            assertEquals(200, stopped.statusCode(), stopped.body());
            String after = enbd.get("/system/console/bundles/" + fault + ".json", true).body();
            assertTrue(after.contains("\"state\":\"Resolved\""), "a feature bundle stops as asked: " + after);
            enbd.post("/system/console/bundles/" + fault, "action=start");
        }
    }

    /** The id of the bundle named {@code symbolicName} in the Bundles page's JSON. */
    private static long id(String json, String symbolicName) {
        Matcher m = Pattern.compile("\\{\"id\":(\\d+),[^{}]*\"symbolicName\":\"" + Pattern.quote(symbolicName)
                + "\"").matcher(json);
        assertTrue(m.find(), symbolicName + " in " + json.substring(0, Math.min(400, json.length())));
        return Long.parseLong(m.group(1));
    }
}
