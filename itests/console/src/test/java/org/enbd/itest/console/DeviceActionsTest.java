package org.enbd.itest.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A distribution client ({@code enbd client nbd://... --serve unix:SOCK}) in front of a distribution server, with
 * nbdcopy writing into the client's socket over and over while a user acts on the device: the copies all succeed
 * and the server holds exactly the image. The user clicks the ENBD-J page's buttons in chromium ({@code drop},
 * then {@code reconnect}, at last {@code disconnect}, which stops the endpoint), or edits the client's
 * {@code etc/*.cfg} so that its URI names the server's other listener, or the same listener over TLS
 * ({@code nbd://} to {@code nbds://}); FileInstall hands the change to ConfigAdmin and the endpoint moves live.
 */
class DeviceActionsTest {
    private static final int MIB = 64;

    @TempDir
    Path work;

    @Test
    void dropAndReconnectClickedDuringCopiesLoseNothingAndDisconnectStopsTheEndpoint() throws Exception {
        Distribution.requireTool("chromium");
        Distribution.requireTool("nbdcopy");
        try (Distribution enbd = new Distribution(work)) {
            Distribution.Client client = enbd.client("client");
            Path image = enbd.image(MIB);
            String page = "http://admin:admin@127.0.0.1:" + client.consolePort() + "/system/console/enbd";
            String remote = client.id() + "/remote";
            long before = Distribution.figure(Distribution.row(status(enbd, client), remote), "reconnects");
            assertTrue(before >= 0, status(enbd, client));
            try (DevTools browser = DevTools.open(enbd, work, page)) {
                String button = "document.querySelector('button[data-device=\"" + client.id()
                        + "\"][data-action=\"%s\"]')";
                browser.awaitValue("the page's drop button", "!!" + button.formatted("drop"), "\"value\":true");
                Copies copies = new Copies(enbd, image, client.uri());
                copies.awaitRunning();
                browser.evaluate(button.formatted("drop") + ".click()");
                browser.awaitValue("the page saying what drop did", "document.getElementById("
                        + "'enbd-device-message').textContent", "dropped connection 0");
                copies.awaitAnotherPass();
                browser.evaluate(button.formatted("reconnect") + ".click()");
                browser.awaitValue("the page saying what reconnect did", "document.getElementById("
                        + "'enbd-device-message').textContent", "reconnecting");
                copies.finish();
                Distribution.await("the device's reconnects counter risen by drop and reconnect", 30,
                        () -> Distribution.row(status(enbd, client), remote),
                        r -> Distribution.figure(r, "reconnects") >= before + 2 && r.contains("\"state\":\"UP\""));
                assertServerHolds(enbd, image);

                browser.evaluate("window.confirm = () => true; " + button.formatted("disconnect") + ".click()");
                browser.awaitValue("the page saying what disconnect did", "document.getElementById("
                        + "'enbd-device-message').textContent", "disconnecting");
                Distribution.await("the endpoint stopped, its configuration deleted", 30,
                        () -> Distribution.row(status(enbd, client), client.id()),
                        r -> r.contains("\"state\":\"STOPPED\""));
            }
        }
    }

    @Test
    void aUriEditedInTheDataDirectoryMovesTheEndpointToAnotherListenerUnderIo() throws Exception {
        Distribution.requireTool("nbdcopy");
        try (Distribution enbd = new Distribution(work, true)) {
            Distribution.Client client = enbd.client("mover");
            Path image = enbd.image(MIB);
            Path cfg = endpointCfg(client);
            String remote = client.id() + "/remote";
            Copies copies = new Copies(enbd, image, client.uri());
            copies.awaitRunning();
            String text = Files.readString(cfg);
            String from = "127.0.0.1:" + enbd.nbdPort + "/disk";
            assertTrue(text.contains(from), text);
            Files.writeString(cfg, text.replace(from, "127.0.0.1:" + enbd.secondPort + "/disk"));
            String row = Distribution.await("the device on the second listener", 30,
                    () -> Distribution.row(status(enbd, client), remote),
                    r -> r.contains("\"server\":\"nbd://127.0.0.1:" + enbd.secondPort + "/disk\"")
                            && r.contains("\"state\":\"UP\""));
            copies.awaitAnotherPass();
            copies.finish();
            String endpoint = Distribution.row(status(enbd, client), client.id());
            assertTrue(endpoint.contains("\"state\":\"UP\""), endpoint);
            assertTrue(row.contains("connections to nbd://127.0.0.1:" + enbd.secondPort), row);
            assertMovedLive(client);
            assertServerHolds(enbd, image);
        }
    }

    @Test
    void aUriEditedFromNbdToNbdsMovesTheEndpointOntoTlsUnderIo() throws Exception {
        Distribution.requireTool("nbdcopy");
        Path certs = work.resolve("certs");
        Distribution.certificates(certs);
        try (Distribution enbd = new Distribution(work, false, "--tls", "on", "--tls-certificates",
                certs.toString())) {
            Distribution.Client client = enbd.client("tls");
            Path image = enbd.image(MIB);
            Path cfg = endpointCfg(client);
            String remote = client.id() + "/remote";
            Copies copies = new Copies(enbd, image, client.uri());
            copies.awaitRunning();
            String text = Files.readString(cfg);
            String from = "nbd://127.0.0.1:" + enbd.nbdPort + "/disk";
            assertTrue(text.contains(from), text);
            String to = "nbds://127.0.0.1:" + enbd.nbdPort + "/disk?tls-certificates=" + certs;
            Files.writeString(cfg, text.replace(from, to));
            Distribution.await("the device on TLS", 30, () -> Distribution.row(status(enbd, client), remote),
                    r -> r.contains("\"server\":\"nbds://127.0.0.1:" + enbd.nbdPort) && r.contains("\"state\":\"UP\""));
            copies.awaitAnotherPass();
            copies.finish();
            assertMovedLive(client);
            assertServerHolds(enbd, image);
        }
    }

    /** The endpoint applied the change in {@code @Modified}: it moved its device, it did not start again. */
    private static void assertMovedLive(Distribution.Client client) throws Exception {
        String log = client.output();
        assertTrue(log.contains("live"), log);
        assertTrue(!log.contains("restarting the endpoint") && !log.contains("STOPPED"), log);
    }

    private static Path endpointCfg(Distribution.Client client) throws Exception {
        try (var files = Files.list(client.data().resolve("etc"))) {
            return files.filter(f -> f.getFileName().toString().startsWith("org.enbd.client.endpoint-"))
                    .findFirst().orElseThrow();
        }
    }

    private static String status(Distribution enbd, Distribution.Client client) throws Exception {
        return enbd.get(client.consolePort(), "/system/console/enbd/status.json", true).body();
    }

    /** Reads the export back from the server itself and compares it with the image. */
    private void assertServerHolds(Distribution enbd, Path image) throws Exception {
        Path back = work.resolve("back.img");
        enbd.run("nbdcopy", "nbd://127.0.0.1:" + enbd.nbdPort + "/disk", back.toString());
        assertEquals(-1, Files.mismatch(image, back), "the server holds the image");
    }

    /** nbdcopy of the image into the client's socket, pass after pass, each required to succeed. */
    private static final class Copies {
        private final AtomicBoolean stop = new AtomicBoolean();
        private final AtomicInteger passes = new AtomicInteger();
        private final CompletableFuture<Void> done;

        Copies(Distribution enbd, Path image, String target) {
            done = CompletableFuture.runAsync(() -> {
                try {
                    while (!stop.get()) {
                        enbd.run("nbdcopy", "--requests=16", image.toString(), target);
                        passes.incrementAndGet();
                    }
                } catch (Exception e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            });
        }

        /** Once the first pass is on its way (a moment after it started). */
        void awaitRunning() throws InterruptedException {
            Thread.sleep(300);
        }

        /** Until one more pass has completed (so the next action hits another one). */
        void awaitAnotherPass() throws Exception {
            int now = passes.get();
            Distribution.await("another copy completed", 120, () -> {
                if (done.isDone()) {
                    done.get();
                }
                return passes.get();
            }, n -> n > now);
        }

        /** Stops after the pass under way and fails if any pass failed. */
        void finish() throws Exception {
            stop.set(true);
            done.get(180, TimeUnit.SECONDS);
            assertTrue(passes.get() >= 1);
        }
    }
}
