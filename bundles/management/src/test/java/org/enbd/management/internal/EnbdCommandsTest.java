package org.enbd.management.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.enbd.api.control.Status;
import org.enbd.runtime.internal.MemoryStatusBoard;
import org.junit.jupiter.api.Test;

/** The Gogo commands of the enbd scope, as a shell user reads them. */
class EnbdCommandsTest {
    private final MemoryStatusBoard board = new MemoryStatusBoard();
    private final EnbdCommands commands = new EnbdCommands(board);

    private void statsOf(String export, long writes, long bytes) {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("connections.open", 1);
        a.put("connections.total", 3);
        a.put("read.requests", 0L);
        a.put("read.bytes", 0L);
        a.put("write.requests", writes);
        a.put("write.bytes", bytes);
        a.put("write.errors.wire", 0L);
        a.put("write.errors.medium", 1L);
        a.put("write.p99BelowUs", 512L);
        a.put("flush.requests", 2L);
        board.report(new Status("stats:" + export, "stats", Status.State.UP, "", a, Instant.now()));
    }

    @Test
    void listShowsEveryComponentInColumns() {
        board.report(Status.of("org.enbd.listener~default", "listener", Status.State.UP, "127.0.0.1:10809"));
        board.report(Status.of("org.enbd.server.export~disk", "export", Status.State.FAILED,
                "cannot open /srv/d.img: permission denied"));
        List<String> lines = commands.list().lines().toList();
        assertEquals(3, lines.size(), commands.list());
        assertTrue(lines.get(0).matches("ID\\s+KIND\\s+STATE\\s+DETAIL"), lines.get(0));
        assertTrue(lines.get(1).matches("org\\.enbd\\.listener~default\\s+listener\\s+UP\\s+127\\.0\\.0\\.1:10809"),
                lines.get(1));
        assertTrue(lines.get(2).contains("FAILED") && lines.get(2).endsWith("permission denied"), lines.get(2));
        assertEquals(lines.get(1).indexOf("  listener"), lines.get(2).indexOf("  export"), "columns line up");
    }

    @Test
    void listWithNothingConfiguredSaysSo() {
        assertTrue(commands.list().startsWith("no ENBD-J components"), commands.list());
    }

    @Test
    void statusShowsEveryAttributeAndAWrongIdNamesTheRightOnes() {
        statsOf("disk", 5, 5 * 4096);
        String text = commands.status("stats:disk");
        assertTrue(text.contains("state: UP since "), text);
        assertTrue(text.contains("write.bytes: 20480"), text);
        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class,
                () -> commands.status("stats:dsk"));
        assertTrue(wrong.getMessage().contains("there are: stats:disk"), wrong.getMessage());
    }

    @Test
    void statsShowsTheCommandsThatSawRequests() {
        statsOf("disk", 5, 5 * 4096);
        String table = commands.stats("disk");
        List<String> lines = table.lines().toList();
        assertEquals("export disk: 1 connections open, 3 opened", lines.get(0));
        assertTrue(lines.get(1).startsWith("command"), table);
        assertTrue(lines.get(2).matches("write\\s+5\\s+20480\\s+0\\s+1\\s+0\\s+512"), table);
        assertTrue(lines.get(3).matches("flush\\s+2\\s+0\\s+0\\s+0\\s+0\\s+0"), table);
        assertEquals(4, lines.size(), "read saw no request: " + table);
    }

    @Test
    void statsOfEveryExportAndHintsWhenNoneCounts() {
        assertTrue(commands.stats().contains("features=stats"), commands.stats());
        statsOf("a", 1, 512);
        statsOf("b", 2, 1024);
        String all = commands.stats();
        assertTrue(all.contains("export a:") && all.contains("export b:"), all);
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> commands.stats("c"));
        assertTrue(none.getMessage().contains("counted: a, b"), none.getMessage());
    }

    @Test
    void actRunsAComponentsActionByItsStatusIdAndListsThem() {
        List<String> done = new java.util.ArrayList<>();
        org.enbd.api.control.DeviceActions device = new org.enbd.api.control.DeviceActions() {
            @Override
            public List<Action> actions() {
                return List.of(new Action("reconnect", "", "drop every connection"),
                        new Action("drop", "INDEX", "drop one"));
            }

            @Override
            public String act(String action, String argument) {
                if (!action.equals("reconnect") && !action.equals("drop")) {
                    throw new IllegalArgumentException("unknown action '" + action + "'");
                }
                done.add(action + ":" + argument);
                return "ep: " + action;
            }
        };
        Map<String, Object> props = Map.of(org.enbd.api.control.DeviceActions.STATUS_ID,
                new String[] {"ep", "ep/remote"});
        commands.addActions(device, props);
        assertEquals("ep: reconnect", commands.act("ep", "reconnect"));
        assertEquals("ep: drop", commands.act("ep/remote", "drop", "1"));
        assertEquals(List.of("reconnect:null", "drop:1"), done);
        assertTrue(commands.act("ep").lines().anyMatch(l -> l.matches("drop \\[INDEX]\\s+drop one")),
                commands.act("ep"));
        assertThrows(IllegalArgumentException.class, () -> commands.act("ep", "explode"));
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> commands.act("other", "reconnect"));
        assertTrue(none.getMessage().contains("ep, ep/remote"), none.getMessage());
        commands.removeActions(device, props);
        assertThrows(IllegalArgumentException.class, () -> commands.act("ep", "reconnect"));
    }
}
