package org.enbd.console.enbd.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.enbd.api.control.Status;
import org.junit.jupiter.api.Test;

class MetricsTextTest {
    private static final Instant T = Instant.parse("2026-11-30T12:00:00Z");

    private final String text = MetricsText.render(List.of(
            new Status("org.enbd.server.export~disk", "export", Status.State.UP, "export 'disk'", Map.of(), T),
            new Status("stats:disk", "stats", Status.State.UP, "", Map.of("write.bytes", 67108864L,
                    "write.requests", 2048L, "write.errors.medium", 1L, "read.p99BelowUs", 256,
                    "connections.open", 2, "connections.total", 5, "requests", 2048L), T),
            new Status("org.enbd.client.endpoint~a", "client", Status.State.DEGRADED, "1 of 2", Map.of(
                    "connections", 1, "targetConnections", 2, "reconnects", 7L, "uri", "nbd://x/\"q\""), T)));

    private List<String> lines() {
        return Arrays.asList(text.split("\n"));
    }

    @Test
    void statsCountersArePerExportAndCommand() {
        assertTrue(lines().contains("enbd_export_bytes_total{export=\"disk\",command=\"write\"} 67108864"), text);
        assertTrue(lines().contains("enbd_export_requests_total{export=\"disk\",command=\"write\"} 2048"), text);
        assertTrue(lines().contains(
                "enbd_export_errors_total{export=\"disk\",command=\"write\",class=\"medium\"} 1"), text);
        assertTrue(lines().contains(
                "enbd_export_latency_p99_below_microseconds{export=\"disk\",command=\"read\"} 256"), text);
        assertTrue(lines().contains("enbd_export_connections{export=\"disk\"} 2"), text);
        // the export-wide total is the sum of the per-command samples, not a sample of its own
        assertTrue(lines().stream().noneMatch(l -> l.startsWith("enbd_export_requests_total{export=\"disk\"}")));
    }

    @Test
    void devicesHaveConnectionGaugesAndRecoveryCounters() {
        assertTrue(lines().contains(
                "enbd_device_connections{id=\"org.enbd.client.endpoint~a\",kind=\"client\"} 1"), text);
        assertTrue(lines().contains(
                "enbd_device_reconnects_total{id=\"org.enbd.client.endpoint~a\",kind=\"client\"} 7"), text);
        assertTrue(lines().contains(
                "enbd_status{id=\"org.enbd.client.endpoint~a\",kind=\"client\",state=\"DEGRADED\"} 1"), text);
    }

    @Test
    void everyMetricIsTypedOnceBeforeItsSamples() {
        List<String> l = lines();
        for (String name : List.of("enbd_export_bytes_total", "enbd_status", "enbd_device_connections")) {
            int type = l.indexOf("# TYPE " + name + (name.endsWith("_total") ? " counter" : " gauge"));
            assertTrue(type >= 0, name);
            assertEquals(1, l.stream().filter(x -> x.startsWith("# TYPE " + name + " ")).count(), name);
            int first = 0;
            while (!l.get(first).startsWith(name + "{")) {
                first++;
            }
            assertTrue(type < first, name);
        }
    }

    @Test
    void labelValuesAreEscaped() {
        String escaped = MetricsText.render(List.of(new Status("a\"b\\c", "listener", Status.State.UP, "",
                Map.of(), T)));
        assertTrue(escaped.contains("enbd_status{id=\"a\\\"b\\\\c\",kind=\"listener\",state=\"UP\"} 1"), escaped);
    }
}
