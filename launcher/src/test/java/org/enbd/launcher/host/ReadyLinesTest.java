package org.enbd.launcher.host;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.enbd.launcher.ConsoleSettings;
import org.enbd.launcher.ExportSpec;
import org.enbd.launcher.FactoryConfiguration;
import org.enbd.launcher.LaunchPlan;
import org.junit.jupiter.api.Test;

/** The line a user waits for: the listener's own report (the bound port) plus the exports it serves. */
class ReadyLinesTest {
    private static final FactoryConfiguration LISTENER = new FactoryConfiguration(FactoryConfiguration.LISTENER,
            "tcp-127.0.0.1-0", "listener 127.0.0.1:0", Map.of("address", "nbd://127.0.0.1:0"));
    private static final FactoryConfiguration EXPORT = new FactoryConfiguration(FactoryConfiguration.EXPORT,
            "default", "export \"\" (memory:1G)", Map.of("name", "", "backend", "memory:1G", "readOnly", false));

    @Test
    void serverPrintsTheListenersReportAndTheExports() {
        LaunchPlan plan = new LaunchPlan("server", List.of(EXPORT, LISTENER),
                List.of(ExportSpec.DEFAULT, new ExportSpec("ro", "file:/x", true)), ConsoleSettings.OFF, false,
                false, Duration.ofSeconds(1));
        Startup.Outcome.Ready ready = new Startup.Outcome.Ready(Map.of(
                LISTENER.pid(), new StatusWatch.Seen("UP", "listener", "listening on 127.0.0.1:41234"),
                EXPORT.pid(), new StatusWatch.Seen("UP", "export", "")));
        assertEquals(List.of("enbd: listening on 127.0.0.1:41234, exports: \"\" (memory:1G), \"ro\" (file:/x, "
                + "read-only)"), FelixActions.readyLines(plan, ready));
    }

    @Test
    void aListenerWithoutDetailFallsBackToItsAddress() {
        LaunchPlan plan = new LaunchPlan("server", List.of(EXPORT, LISTENER), List.of(ExportSpec.DEFAULT),
                ConsoleSettings.OFF, false, false, Duration.ofSeconds(1));
        Startup.Outcome.Ready ready = new Startup.Outcome.Ready(Map.of(
                LISTENER.pid(), new StatusWatch.Seen("UP", "listener", "")));
        assertEquals(List.of("enbd: listening on nbd://127.0.0.1:0, exports: \"\" (memory:1G)"),
                FelixActions.readyLines(plan, ready));
    }

    @Test
    void ownerBundlesOfTheFactoryPids() {
        assertEquals("org.enbd.server", Startup.owner(FactoryConfiguration.EXPORT));
        assertEquals("org.enbd.server", Startup.owner(FactoryConfiguration.LISTENER));
        assertEquals("org.enbd.client", Startup.owner(FactoryConfiguration.CLIENT_ENDPOINT));
        assertEquals("org.enbd.kernel", Startup.owner(FactoryConfiguration.KERNEL_DEVICE));
    }
}
