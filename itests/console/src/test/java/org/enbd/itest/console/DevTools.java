package org.enbd.itest.console;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Headless chromium kept open on one page and driven over the DevTools protocol (a WebSocket, as Puppeteer does):
 * {@link #evaluate} runs a script in the page (a button's click) and returns its value as JSON text. The process
 * belongs to the {@link Distribution}, which stops it.
 */
final class DevTools implements AutoCloseable {
    private static final Pattern PAGE_SOCKET = Pattern.compile(
            "\"type\"\\s*:\\s*\"page\"[^}]*?\"webSocketDebuggerUrl\"\\s*:\\s*\"([^\"]+)\"");

    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<String>> answers = new ConcurrentHashMap<>();

    private DevTools(WebSocket socket) {
        this.socket = socket;
    }

    /** Starts chromium on {@code url} and connects to its page. */
    static DevTools open(Distribution enbd, Path work, String url) throws Exception {
        int port = Distribution.freePort();
        enbd.start(work.resolve("devtools.err"), work.resolve("devtools.out"), "chromium", "--headless",
                "--no-sandbox", "--disable-gpu", "--no-first-run", "--remote-allow-origins=*",
                "--user-data-dir=" + Files.createTempDirectory(work, "profile"), "--remote-debugging-port=" + port,
                "--window-size=1280,900", url);
        HttpClient http = HttpClient.newHttpClient();
        String ws = Distribution.await("chromium's DevTools endpoint with the page", 60, () -> {
            String list = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
            Matcher m = PAGE_SOCKET.matcher(list);
            return m.find() ? m.group(1) : null;
        }, w -> w != null);
        DevTools[] self = new DevTools[1];
        StringBuilder partial = new StringBuilder();
        WebSocket socket = http.newWebSocketBuilder().buildAsync(URI.create(ws), new WebSocket.Listener() {
            @Override
            public CompletionStage<?> onText(WebSocket s, CharSequence data, boolean last) {
                partial.append(data);
                if (last) {
                    self[0].answer(partial.toString());
                    partial.setLength(0);
                }
                s.request(1);
                return null;
            }
        }).get(30, TimeUnit.SECONDS);
        self[0] = new DevTools(socket);
        return self[0];
    }

    private void answer(String message) {
        Matcher m = Pattern.compile("^\\{\"id\":(\\d+),").matcher(message);
        if (m.find()) {
            CompletableFuture<String> f = answers.remove(Integer.parseInt(m.group(1)));
            if (f != null) {
                f.complete(message);
            }
        }
    }

    /** Evaluates {@code script} in the page (awaiting a promise it returns); the protocol's answer as JSON text. */
    String evaluate(String script) throws Exception {
        int id = ids.incrementAndGet();
        CompletableFuture<String> answer = new CompletableFuture<>();
        answers.put(id, answer);
        String quoted = "\"" + script.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
        socket.sendText("{\"id\":" + id + ",\"method\":\"Runtime.evaluate\",\"params\":{\"expression\":" + quoted
                + ",\"awaitPromise\":true,\"returnByValue\":true}}", true).get(10, TimeUnit.SECONDS);
        return answer.get(30, TimeUnit.SECONDS);
    }

    /** Waits until {@code script} evaluates to a value whose JSON text contains {@code expected}. */
    String awaitValue(String what, String script, String expected) throws Exception {
        return Distribution.await(what, 30, () -> evaluate(script), v -> v.contains(expected));
    }

    @Override
    public void close() {
        socket.abort();
    }
}
