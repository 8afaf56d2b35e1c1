package org.enbd.console.enbd.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.enbd.api.control.Status;
import org.junit.jupiter.api.Test;

class BoardViewTest {
    private static final Instant T = Instant.parse("2026-11-30T12:00:00Z");
    private final BoardView view = new BoardView(new Redaction(List.of("password", "key")));

    @SuppressWarnings("unchecked")
    private static Map<String, Object> first(Map<String, Object> model, String section) {
        return ((List<Map<String, Object>>) model.get(section)).getFirst();
    }

    @Test
    void anExportShowsItsBackendFeaturesAndParametersFromItsConfigurationWithSecretsHidden() {
        Map<String, Object> model = view.model(List.of(new Status("org.enbd.server.export~disk", "export",
                Status.State.UP, "export 'disk' on memory:64M with stats", Map.of(), T)),
                pid -> Optional.of(Map.of("name", "disk", "backend", "memory:64M", "features",
                        new String[] {"stats", "fault"}, "readOnly", false, "fault.error-write", "EIO",
                        "ssh.password", "hunter2", "service.pid", pid, "service.factoryPid",
                        "org.enbd.server.export")));
        Map<String, Object> export = first(model, "exports");
        assertEquals("disk", export.get("name"));
        assertEquals("memory:64M", export.get("backend"));
        assertEquals(List.of("stats", "fault"), export.get("features"));
        assertEquals("UP", export.get("state"));
        assertEquals(Map.of("fault.error-write", "EIO", "ssh.password", Redaction.HIDDEN),
                export.get("parameters"));
        assertFalse(Json.write(model).contains("hunter2"));
    }

    @Test
    void aClientDeviceShowsServerConnectionsAndRecovery() {
        Map<String, Object> model = view.model(List.of(new Status("org.enbd.client.endpoint~e/remote", "client",
                Status.State.DEGRADED, "1 of 2 connections to nbd://u:pw@h/disk", Map.of("uri",
                "nbd://u:pw@h/disk", "connections", 1, "targetConnections", 2, "reconnects", 3L, "retracted", 9L),
                T)), pid -> Optional.empty());
        Map<String, Object> device = first(model, "devices");
        assertEquals("nbd://u:******@h/disk", device.get("server"));
        assertEquals("1 of 2 connections to nbd://u:******@h/disk", device.get("detail"));
        assertEquals(1, device.get("connections"));
        assertEquals(3L, device.get("reconnects"));
        assertEquals(9L, device.get("retracted"));
        assertEquals("DEGRADED", device.get("state"));
    }

    @Test
    void statsCountersAreKeptByExportAndOtherKindsListedApart() {
        Map<String, Object> model = view.model(List.of(
                new Status("stats:", "stats", Status.State.UP, "", Map.of("write.bytes", 1048576L), T),
                new Status("org.enbd.server.listener~tcp", "listener", Status.State.UP, "127.0.0.1:10809",
                        Map.of(), T),
                new Status("media:cd", "media", Status.State.UP, "no medium", Map.of(), T)),
                pid -> Optional.empty());
        assertEquals("", first(model, "stats").get("export"));
        assertEquals(Map.of("write.bytes", 1048576L), first(model, "stats").get("counters"));
        assertEquals("127.0.0.1:10809", first(model, "listeners").get("detail"));
        assertEquals("media", first(model, "others").get("kind"));
    }

    @Test
    void jsonEscapesMarkupAndQuotes() {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("d", "</script>\"x\"");
        m.put("n", java.util.Arrays.asList(1, true, null));
        assertEquals("{\"d\":\"\\u003c/script>\\\"x\\\"\",\"n\":[1,true,null]}", Json.write(m));
    }
}
