package org.enbd.launcher.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which JVMs are running instances, how their command reads, and the stats table from MBean attributes. */
class RunningInstancesTest {
    @Test
    void serversAndClientsOfTheLauncherAreInstancesShortCommandsAreNot() {
        assertTrue(RunningInstances.isEnbd("/opt/enbd/enbd.jar server"));
        assertTrue(RunningInstances.isEnbd("enbd.jar -v client nbd://h/x --serve 127.0.0.1:1"));
        assertFalse(RunningInstances.isEnbd("org.codehaus.plexus.classworlds.launcher.Launcher -q verify"));
        assertTrue(RunningInstances.serves("/opt/enbd/enbd.jar --start-timeout 5 -v server --ephemeral"));
        assertTrue(RunningInstances.serves("enbd.jar client nbd://h/x --device /dev/nbd0"));
        assertFalse(RunningInstances.serves("enbd.jar list --running"));
        assertFalse(RunningInstances.serves("enbd.jar stats disk"));
        assertFalse(RunningInstances.serves("enbd.jar client --disconnect /dev/nbd0"));
    }

    @Test
    void theCommandReadsAsTypedWithoutItsPassword() {
        assertEquals("enbd server --console 0.0.0.0:8080 --console-password *** --export a=memory:1M",
                RunningInstances.command("/opt/enbd/enbd.jar server --console 0.0.0.0:8080 --console-password "
                        + "s3cret --export a=memory:1M"));
        assertEquals("enbd server --console-password=***", RunningInstances.command("enbd.jar server "
                + "--console-password=s3cret"));
    }

    @Test
    void theStatsTableSkipsCommandsNobodySentAndTotalsAll() {
        RunningInstances.Component stats = new RunningInstances.Component("stats:disk", "stats", "UP", "",
                Map.of("connections.open", 1L, "connections.total", 3L, "errors.wire", 0L, "errors.medium", 1L,
                        "write.requests", 4L, "write.bytes", 8192L, "write.errors.medium", 1L,
                        "read.requests", 0L, "write.p50BelowUs", 64L, "write.p99BelowUs", 128L));
        List<String> lines = InstanceReport.table(7, stats);
        assertEquals("export \"disk\": 1 connection open, 3 opened (pid 7)", lines.getFirst());
        assertEquals(4, lines.size(), String.join("\n", lines));
        assertTrue(lines.get(2).matches(" +write +4 +8192 +0 +1 +64 +128"), lines.get(2));
        assertTrue(lines.get(3).matches(" +total +4 +8192 +0 +1 *"), lines.get(3));
        assertEquals("{\"pid\":7,\"export\":\"disk\",\"state\":\"UP\",\"connections\":{\"open\":1,\"total\":3},"
                + "\"commands\":{\"read\":{\"requests\":0,\"bytes\":0,\"errors\":{\"wire\":0,\"medium\":0},"
                + "\"p50BelowUs\":0,\"p99BelowUs\":0},\"write\":{\"requests\":4,\"bytes\":8192,\"errors\":{\"wire\":0,"
                + "\"medium\":1},\"p50BelowUs\":64,\"p99BelowUs\":128}}}", InstanceReport.json(7, stats));
        assertEquals(List.of("disk"), InstanceReport.counted(new RunningInstances.Instance(7, "enbd server",
                List.of(stats), Optional.empty())));
    }
}
