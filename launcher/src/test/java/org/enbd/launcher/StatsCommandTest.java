package org.enbd.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code enbd stats}: one query configuration of the stats bundle, and what to print. */
class StatsCommandTest {
    @Test
    void aUriBecomesOneQueryOfTheStatsBundleWithoutAConsole() {
        Cli cli = Cli.run("stats", "nbd://127.0.0.1:10809/disk");
        assertEquals(0, cli.exit(), cli.err());
        LaunchPlan plan = cli.actions().asked.getFirst();
        FactoryConfiguration query = plan.configurations().getFirst();
        assertEquals(1, plan.configurations().size());
        assertEquals("org.enbd.feature.stats.query~query", query.pid());
        assertEquals(Map.of("uri", "nbd://127.0.0.1:10809/disk", "timeoutSeconds", 48), query.properties(),
                "the query gives up before the launcher's 60 s");
        assertEquals("stats of nbd://127.0.0.1:10809/disk", query.label());
        assertEquals(ConsoleSettings.OFF, plan.console());
        assertFalse(plan.shell());
        assertEquals(List.of(false), cli.actions().askedJson);
        assertTrue(cli.actions().launched.isEmpty(), "nothing is served");
    }

    @Test
    void jsonAndTheStartTimeoutAreHonoured() {
        Cli cli = Cli.run("stats", "--json", "--start-timeout", "5", "nbd+unix:///disk?socket=/run/enbd.sock");
        assertEquals(0, cli.exit(), cli.err());
        assertEquals(List.of(true), cli.actions().askedJson);
        LaunchPlan plan = cli.actions().asked.getFirst();
        assertEquals(Duration.ofSeconds(5), plan.startTimeout());
        assertEquals(4, plan.configurations().getFirst().properties().get("timeoutSeconds"));
    }

    @Test
    void aMissingOrMalformedUriIsAUsageError() {
        for (String[] bad : new String[][] {
                {"http://h/disk", "'http://h/disk' is not an NBD URI: expected nbd://HOST[:PORT]/EXPORT"},
                {"nbd:///disk", "names no host"},
                {"nbd+unix:///disk", "names no socket (?socket=PATH)"}}) {
            Cli cli = bad[0].isEmpty() ? Cli.run("stats") : Cli.run("stats", bad[0]);
            assertEquals(Main.USAGE, cli.exit(), bad[0]);
            assertTrue(cli.errLines().getFirst().startsWith("enbd: "), cli.err());
            assertTrue(cli.errLines().getFirst().contains(bad[1]), cli.err());
            assertTrue(cli.actions().asked.isEmpty());
        }
    }

    @Test
    void aNameOrNothingReadsALocalServerAndNoFrameworkStarts() {
        Cli all = Cli.run("stats");
        assertEquals(0, all.exit(), all.err());
        assertEquals(List.of(List.of(Optional.empty(), Optional.empty(), false)), all.actions().askedLocal);
        Cli one = Cli.run("stats", "disk", "--pid", "4242", "--json");
        assertEquals(0, one.exit(), one.err());
        assertEquals(List.of(List.of(Optional.of("disk"), Optional.of(4242L), true)), one.actions().askedLocal);
        assertTrue(one.actions().asked.isEmpty(), "no query configuration");
        Cli remote = Cli.run("stats", "nbd://h/disk", "--pid", "4242");
        assertEquals(Main.USAGE, remote.exit());
        assertTrue(remote.errLines().getFirst().contains("--pid reads a local server"), remote.err());
    }

    @Test
    void helpSaysWhatItPrintsAndTheExitStatus() {
        Cli cli = Cli.run("stats", "--help");
        assertEquals(0, cli.exit());
        assertTrue(cli.out().contains("Usage: enbd stats"), cli.out());
        assertTrue(cli.out().contains("--json"), cli.out());
        assertTrue(cli.out().contains("features=stats"), cli.out());
    }
}
