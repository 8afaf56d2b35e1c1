package org.enbd.itest.console;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ENBD-J page's remote-ioctl form, clicked in chromium: a distribution server exports an image file with
 * {@code features=ioctl,ioctls=block}; a distribution client serves it on a socket, with the ioctl-remote
 * bundle's {@code org.enbd.ioctl.node} configured in its data directory ({@code cuse = false}: no /dev/cuse on the
 * build host). The form lists the ioctls the export allows (the block group, as the server said), an argument an
 * ioctl cannot take is refused in words, and a BLKGETSIZE64 run on the server's file comes back with the file's
 * own answer (a regular file has no block ioctls: result -1, ENOTTY), numbered as the call that was sent.
 */
class IoctlActionTest {
    @TempDir
    Path work;

    @Test
    void theFormRunsAnAllowedIoctlOnTheServersDeviceAndShowsItsAnswer() throws Exception {
        Distribution.requireTool("chromium");
        try (Distribution enbd = new Distribution(work)) {
            Path image = enbd.image(3);
            int port = Distribution.freePort();
            Path serverOut = work.resolve("ioctl-server.out");
            Process server = enbd.start(work.resolve("ioctl-server.err"), serverOut, java(), "--enable-native-access"
                    + "=ALL-UNNAMED", "-jar", jar(), "server", "--ephemeral", "--console", "off", "--listen",
                    "127.0.0.1:" + port, "--export", "cd=file:" + image + ",features=ioctl,ioctls=block");
            Distribution.await("the ioctl server listening", 60, () -> {
                alive(server, serverOut, work.resolve("ioctl-server.err"));
                return read(serverOut);
            }, out -> out.contains("listening on"));

            String uri = "nbd://127.0.0.1:" + port + "/cd";
            Path data = work.resolve("client-data");
            Files.createDirectories(data.resolve("etc"));
            Files.writeString(data.resolve("etc/org.enbd.ioctl.node-cd.cfg"),
                    "uri = " + uri + "\ndevice = cd\ncuse = false\n");
            int console = Distribution.freePort();
            Process client = enbd.start(work.resolve("client.err"), work.resolve("client.out"), java(),
                    "--enable-native-access=ALL-UNNAMED", "-jar", jar(), "client", uri, "--serve",
                    "unix:" + work.resolve("cd.sock"), "--data", data.toString(), "--console", "127.0.0.1:" + console);
            String node = Distribution.await("the client's ioctl node UP", 60, () -> {
                alive(client, work.resolve("client.out"), work.resolve("client.err"));
                return enbd.get(console, "/system/console/enbd/status.json", true).body();
            }, json -> json.matches("(?s).*\"ioctlNodes\":\\[\\{\"id\":\"org\\.enbd\\.ioctl\\.node~[^\"]*\","
                    + "\"state\":\"UP\".*"));
            String id = node.replaceFirst("(?s).*\"ioctlNodes\":\\[\\{\"id\":\"([^\"]*)\".*", "$1");

            String page = "http://admin:admin@127.0.0.1:" + console + "/system/console/enbd";
            try (DevTools browser = DevTools.open(enbd, work, page)) {
                String select = "document.querySelector('select[data-ioctl-node=\"" + id + "\"]')";
                String arg = "document.querySelector('input[data-ioctl-arg=\"" + id + "\"]')";
                String run = "document.querySelector('button[data-ioctl-run=\"" + id + "\"]')";
                String last = "document.querySelector('td[data-ioctl-last=\"" + id + "\"]').textContent";
                String message = "document.getElementById('enbd-ioctl-message').textContent";
                browser.awaitValue("the allowed ioctls in the form", "Array.from(" + select
                        + ".options).map(o => o.value).join(' ')", "BLKGETSIZE64");
                String options = browser.evaluate(select + ".options.length");
                assertTrue(options.contains("\"value\":33"), "the block group's 33 ioctls: " + options);
                String cdrom = browser.evaluate("Array.from(" + select + ".options).some(o => o.value === "
                        + "'CDROMEJECT')");
                assertTrue(cdrom.contains("\"value\":false"), "an ioctl the export does not allow: " + cdrom);
                browser.awaitValue("the form's last answer empty", last, "none yet");

                browser.evaluate(select + ".value = 'BLKGETSIZE64'; " + select + ".dispatchEvent(new Event('change')); "
                        + arg + ".value = '7'; " + arg + ".dispatchEvent(new Event('input')); " + run + ".click()");
                browser.awaitValue("an argument BLKGETSIZE64 cannot take, refused", message,
                        "BLKGETSIZE64 takes no argument");

                browser.evaluate(arg + ".value = ''; " + arg + ".dispatchEvent(new Event('input')); " + run
                        + ".click()");
                browser.awaitValue("the call sent", message, "BLKGETSIZE64 sent to " + uri + " (call 1)");
                browser.awaitValue("the file's own answer in the form", last,
                        "#1 BLKGETSIZE64: result -1, errno ENOTTY");
            }
            String row = Distribution.row(enbd.get(console, "/system/console/enbd/status.json", true).body(), id);
            assertTrue(read(work.resolve("client.err")).contains("BLKGETSIZE64 failed: ENOTTY"),
                    "the client logs the answer: " + read(work.resolve("client.err")) + row);
        }
    }

    private static void alive(Process process, Path out, Path err) throws java.io.IOException {
        if (!process.isAlive()) {
            throw new AssertionError("the process exited " + process.exitValue() + ": " + read(out) + read(err));
        }
    }

    private static String read(Path file) throws java.io.IOException {
        return Files.exists(file) ? Files.readString(file) : "";
    }

    private static String jar() {
        return Path.of(System.getProperty("enbd.dist", "../../launcher/target/dist")).resolve("enbd.jar").toString();
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
