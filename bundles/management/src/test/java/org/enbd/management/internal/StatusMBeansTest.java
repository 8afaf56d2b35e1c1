package org.enbd.management.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import javax.management.Attribute;
import javax.management.AttributeNotFoundException;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.ObjectName;
import org.enbd.api.control.Status;
import org.enbd.runtime.internal.MemoryStatusBoard;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The status board's components as MBeans: named by kind and id, values read live, following the board. */
class StatusMBeansTest {
    private final MemoryStatusBoard board = new MemoryStatusBoard();
    private final MBeanServer server = MBeanServerFactory.newMBeanServer();
    private final StatusMBeans mbeans = new StatusMBeans(board, server, "org.enbd");

    @AfterEach
    void stop() throws InterruptedException {
        mbeans.deactivate();
    }

    private static Status export(Status.State state, long size) {
        return new Status("org.enbd.server.export~disk", "export", state, "memory, 64 MiB",
                Map.of("size", size, "readonly", false, "backend", "memory"), Instant.parse("2026-11-30T12:00:00Z"));
    }

    @Test
    void aComponentIsAnMBeanNamedByItsKindAndId() throws Exception {
        board.report(export(Status.State.UP, 64L << 20));
        assertEquals(1, mbeans.refresh());

        ObjectName name = new ObjectName("org.enbd:type=export,name=\"org.enbd.server.export~disk\"");
        assertTrue(server.isRegistered(name), server.queryNames(null, null).toString());
        assertEquals("UP", server.getAttribute(name, "State"));
        assertEquals("memory, 64 MiB", server.getAttribute(name, "Detail"));
        assertEquals("2026-11-30T12:00:00Z", server.getAttribute(name, "Since"));
        assertEquals(64L << 20, server.getAttribute(name, "size"), "numbers stay numbers, for charts");
        assertEquals(Boolean.FALSE, server.getAttribute(name, "readonly"));
        assertEquals("memory", server.getAttribute(name, "backend"));
    }

    @Test
    void valuesAreTheLastReportWithoutARefresh() throws Exception {
        board.report(export(Status.State.UP, 1));
        mbeans.refresh();
        ObjectName name = mbeans.name(export(Status.State.UP, 1));

        board.report(export(Status.State.FAILED, 2));
        assertEquals("FAILED", server.getAttribute(name, "State"));
        assertEquals(2L, server.getAttribute(name, "size"));
    }

    @Test
    void theInfoListsWhatTheComponentReportsWithItsType() throws Exception {
        board.report(export(Status.State.UP, 1));
        mbeans.refresh();
        MBeanAttributeInfo[] info = server.getMBeanInfo(mbeans.name(export(Status.State.UP, 1))).getAttributes();
        Map<String, String> types = new java.util.HashMap<>();
        Arrays.stream(info).forEach(i -> types.put(i.getName(), i.getType()));
        assertEquals(Long.class.getName(), types.get("size"));
        assertEquals(String.class.getName(), types.get("State"));
        assertTrue(Arrays.stream(info).noneMatch(MBeanAttributeInfo::isWritable), "all read-only");
    }

    @Test
    void componentsThatGoAwayAreUnregisteredAndNewOnesAppear() throws Exception {
        board.report(export(Status.State.UP, 1));
        board.report(Status.of("org.enbd.listener~default", "listener", Status.State.UP, "127.0.0.1:10809"));
        assertEquals(2, mbeans.refresh());

        board.remove("org.enbd.server.export~disk");
        board.report(Status.of("stats:disk", "stats", Status.State.UP, ""));
        assertEquals(2, mbeans.refresh());
        assertFalse(server.isRegistered(mbeans.name(export(Status.State.UP, 1))));
        assertTrue(server.isRegistered(new ObjectName("org.enbd:type=stats,name=\"stats:disk\"")));
        assertEquals(2, server.queryNames(new ObjectName("org.enbd:*"), null).size());
    }

    @Test
    void aKindThatChangesMovesTheName() throws Exception {
        board.report(Status.of("x", "client", Status.State.STARTING, ""));
        mbeans.refresh();
        board.report(Status.of("x", "device", Status.State.UP, ""));
        mbeans.refresh();
        assertEquals(1, server.queryNames(new ObjectName("org.enbd:*"), null).size());
        assertTrue(server.isRegistered(new ObjectName("org.enbd:type=device,name=\"x\"")));
    }

    @Test
    void nothingCanBeSetAndAGoneComponentSaysSo() throws Exception {
        board.report(export(Status.State.UP, 1));
        mbeans.refresh();
        ObjectName name = mbeans.name(export(Status.State.UP, 1));
        AttributeNotFoundException refused = assertThrows(AttributeNotFoundException.class,
                () -> server.setAttribute(name, new Attribute("State", "DOWN")));
        assertTrue(refused.getMessage().contains("ConfigAdmin"), refused.getMessage());

        board.remove("org.enbd.server.export~disk"); // before the next refresh: a read says it is gone
        AttributeNotFoundException gone = assertThrows(AttributeNotFoundException.class,
                () -> server.getAttribute(name, "State"));
        assertTrue(gone.getMessage().contains("gone"), gone.getMessage());
    }

    @Test
    void stoppingTakesEveryMBeanAway() throws Exception {
        board.report(export(Status.State.UP, 1));
        mbeans.refresh();
        mbeans.deactivate();
        assertTrue(server.queryNames(new ObjectName("org.enbd:*"), null).isEmpty());
    }
}
