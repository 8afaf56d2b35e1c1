package org.enbd.console.enbd.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.enbd.api.control.Status;
import org.junit.jupiter.api.Test;

/** A device's remote ioctls as the page's form reads them: allowed names, its node, the last answer. */
class BoardViewIoctlNodeTest {
    private static final Instant T = Instant.parse("2026-11-30T12:00:00Z");
    private final BoardView view = new BoardView(new Redaction(List.of("password")));

    @SuppressWarnings("unchecked")
    private static Map<String, Object> node(Map<String, Object> model) {
        return ((List<Map<String, Object>>) model.get("ioctlNodes")).getFirst();
    }

    @Test
    void anIoctlNodeListsTheAllowedIoctlsItsActionsAndTheLastAnswer() {
        Map<String, Object> model = view.model(List.of(new Status("org.enbd.ioctl.node~nbd0", "ioctl-node",
                Status.State.UP, "/dev/enbd/nbd0-ctl: 2 ioctls allowed", Map.of("uri", "nbd://u:pw@h/cd",
                "device", "/dev/nbd0", "node", "/dev/enbd/nbd0-ctl", "ioctls", "CDROMEJECT,CDROM_DRIVE_STATUS",
                "lastCall", 2L, "lastIoctl", "CDROM_DRIVE_STATUS", "lastResult", 4L, "lastErrno", "0",
                "lastData", ""), T)), pid -> Optional.empty(), id -> List.of("ioctl"));
        Map<String, Object> node = node(model);
        assertEquals("nbd://u:******@h/cd", node.get("server"));
        assertEquals("/dev/nbd0", node.get("device"));
        assertEquals("/dev/enbd/nbd0-ctl", node.get("node"));
        assertEquals(List.of("CDROMEJECT", "CDROM_DRIVE_STATUS"), node.get("ioctls"));
        assertEquals(List.of("ioctl"), node.get("actions"));
        assertEquals(Map.of("call", 2L, "ioctl", "CDROM_DRIVE_STATUS", "result", 4L, "errno", "0", "data", ""),
                node.get("last"));
        assertEquals(List.of(), model.get("others"), "not listed again among the other components");
    }

    @Test
    void aNodeStillConnectingHasNoIoctlsAndNoAnswer() {
        Map<String, Object> node = node(view.model(List.of(new Status("org.enbd.ioctl.node~nbd0", "ioctl-node",
                Status.State.STARTING, "connecting", Map.of("uri", "nbd://h/cd", "ioctls", ""), T)),
                pid -> Optional.empty(), id -> List.of()));
        assertEquals(List.of(), node.get("ioctls"));
        assertEquals(Map.of(), node.get("last"));
    }
}
