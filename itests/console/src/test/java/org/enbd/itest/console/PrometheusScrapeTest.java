package org.enbd.itest.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Debian's Prometheus scrapes /metrics of a running distribution while nbdcopy writes into its export. */
class PrometheusScrapeTest {
    private static final Pattern VALUE = Pattern.compile("\"value\":\\[[0-9.]+,\"([0-9.e+]+)\"\\]");

    @TempDir
    Path work;

    @Test
    void prometheusReportsTheBytesACopyWrote() throws Exception {
        Distribution.requireTool("prometheus");
        Distribution.requireTool("nbdcopy");
        try (Distribution enbd = new Distribution(work)) {
            assertEquals(401, enbd.get("/system/console/enbd", false).statusCode(), "the page needs the login");
            assertEquals(200, enbd.get("/metrics", false).statusCode(), "a scrape target needs none");

            int prometheusPort = Distribution.freePort();
            Path config = work.resolve("prometheus.yml");
            Files.writeString(config, """
                    global:
                      scrape_interval: 1s
                      scrape_timeout: 1s
                    scrape_configs:
                      - job_name: enbd
                        metrics_path: /metrics
                        static_configs:
                          - targets: ['127.0.0.1:%d']
                    """.formatted(enbd.consolePort));
            enbd.start(work.resolve("prometheus.err"), work.resolve("prometheus.out"), "prometheus",
                    "--config.file=" + config, "--storage.tsdb.path=" + work.resolve("tsdb"),
                    "--web.listen-address=127.0.0.1:" + prometheusPort);
            HttpClient http = HttpClient.newHttpClient();
            String api = "http://127.0.0.1:" + prometheusPort + "/api/v1/query?query=";
            Distribution.Check<String> up = () -> query(http, api, "up{job=\"enbd\"}");
            Distribution.await("Prometheus scraping enbd", 60, up, a -> a.contains("\"value\"")
                    && value(a) == 1);

            int mib = 24;
            long written = enbd.copyIn(mib);
            String metric = "enbd_export_bytes_total{job=\"enbd\",export=\"disk\",command=\"write\"}";
            String answer = Distribution.await("Prometheus reporting " + mib + " MiB written", 60,
                    () -> query(http, api, metric), a -> a.contains("\"value\"") && value(a) == written);
            assertEquals(written, value(answer));
            String requests = query(http, api, "enbd_export_requests_total{export=\"disk\",command=\"write\"}");
            assertTrue(value(requests) >= 1, requests);
            assertEquals(0, value(query(http, api, "sum(enbd_export_errors_total{export=\"disk\"})")));
        }
    }

    private static String query(HttpClient http, String api, String promql) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(api + URLEncoder.encode(promql, StandardCharsets.UTF_8)))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private static long value(String answer) {
        Matcher m = VALUE.matcher(answer);
        return m.find() ? (long) Double.parseDouble(m.group(1)) : -1;
    }
}
