package org.enbd.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.enbd.kernel.DeviceStateFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code enbd cow show|drop}: one query configuration of the cow bundle, for a URI or an ENBD-J kernel device. */
class CowCommandTest {
    @TempDir
    Path states;

    private record Run(int exit, String err, RecordingActions actions) {
    }

    private Run run(String... args) {
        RecordingActions actions = new RecordingActions();
        CommandLine commandLine = new CommandLine(new EnbdCommand())
                .addSubcommand(new CowCommand(actions, new DeviceStateFile(states)));
        StringWriter err = new StringWriter();
        commandLine.setErr(new PrintWriter(err, true));
        return new Run(commandLine.execute(args), err.toString(), actions);
    }

    @Test
    void showOfAUriIsOneQueryOfTheCowBundle() {
        Run run = run("cow", "show", "nbd://127.0.0.1:10809/root");
        assertEquals(0, run.exit(), run.err());
        FactoryConfiguration query = run.actions().asked.getFirst().configurations().getFirst();
        assertEquals("org.enbd.feature.cow.query~show", query.pid());
        assertEquals(Map.of("uri", "nbd://127.0.0.1:10809/root", "action", "show", "force", false,
                "timeoutSeconds", 48), query.properties());
        assertEquals(List.of(false), run.actions().askedJson);
    }

    @Test
    void dropOfAKernelDeviceGoesToItsServerAndCarriesForce() throws Exception {
        new DeviceStateFile(states).write(0, new DeviceStateFile.State("/dev/nbd0", 42, "nbd://10.0.0.1:10809/root",
                2, "netlink"));
        Run run = run("cow", "drop", "--force", "--json", "/dev/nbd0");
        assertEquals(0, run.exit(), run.err());
        FactoryConfiguration query = run.actions().asked.getFirst().configurations().getFirst();
        assertEquals("nbd://10.0.0.1:10809/root", query.properties().get("uri"));
        assertEquals("drop", query.properties().get("action"));
        assertEquals(true, query.properties().get("force"));
        assertEquals(List.of(true), run.actions().askedJson);
    }

    @Test
    void mistakesAreUsageErrorsNamingThem() {
        Run unknown = run("cow", "erase", "nbd://127.0.0.1/root");
        assertEquals(2, unknown.exit());
        assertTrue(unknown.err().contains("unknown action 'erase': show or drop"), unknown.err());
        Run missing = run("cow", "show");
        assertEquals(2, missing.exit());
        assertTrue(missing.err().contains("expected show or drop and the export"), missing.err());
        Run forceShow = run("cow", "show", "--force", "nbd://127.0.0.1/root");
        assertEquals(2, forceShow.exit());
        assertTrue(forceShow.err().contains("--force is for drop"), forceShow.err());
        Run unattached = run("cow", "show", "/dev/nbd3");
        assertEquals(2, unattached.exit());
        assertTrue(unattached.err().contains("/dev/nbd3 is not attached by ENBD-J"), unattached.err());
        Run notUri = run("cow", "show", "http://h/root");
        assertEquals(2, notUri.exit());
        assertTrue(notUri.err().contains("is not an NBD URI"), notUri.err());
        assertTrue(unknown.actions().asked.isEmpty());
    }
}
