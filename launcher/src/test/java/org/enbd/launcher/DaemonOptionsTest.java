package org.enbd.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DaemonOptionsTest {
    @TempDir
    Path dir;

    @Test
    void readOnlyMarksEveryExportOfTheCommandLine() {
        Cli cli = Cli.run("server", "--ephemeral", "-r", "--export", "a=memory:1M", "--export", "b=memory:1M,ro");
        assertEquals(List.of(true, true), cli.plan().of(FactoryConfiguration.EXPORT).stream()
                .map(c -> c.properties().get("readOnly")).toList());
        assertTrue(cli.plan().exports().stream().allMatch(ExportSpec::readOnly));
    }

    @Test
    void readOnlyAlsoCoversTheEmbeddedDefault() {
        Cli cli = Cli.run("server", "--ephemeral", "--readonly");
        assertEquals(true, cli.only(FactoryConfiguration.EXPORT).properties().get("readOnly"));
    }

    @Test
    void printUriNamesTheFirstExportOnTheFirstListener() {
        Cli cli = Cli.run("server", "--ephemeral", "--print-uri", "--listen", "[::1]:10810", "--export",
                "my disk=memory:1M");
        assertEquals("nbd://[::1]:10810/my%20disk", cli.plan().daemon().uri());
        assertEquals("nbd://127.0.0.1:10809", Cli.run("server", "--ephemeral", "--print-uri").plan().daemon().uri());
    }

    @Test
    void aUriOnAnUnknownPortIsAUsageError() {
        Cli cli = Cli.run("server", "--ephemeral", "--print-uri", "--listen", "127.0.0.1:0");
        assertEquals(Main.USAGE, cli.exit());
        assertTrue(cli.err().startsWith("enbd: --print-uri needs a fixed port"), cli.err());
    }

    @Test
    void runListensPrivatelyKeepsNothingAndHasNoConsoleUnlessAsked() throws Exception {
        Cli cli = Cli.run("server", "--export", "d=memory:1M", "--run", "nbdinfo $uri");
        LaunchPlan plan = cli.plan();
        assertEquals(Optional.empty(), plan.data());
        assertEquals(ConsoleSettings.OFF, plan.console());
        Path scratch = plan.daemon().scratch().orElseThrow();
        assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(scratch)));
        assertEquals("nbd+unix:///d?socket=" + scratch.resolve("nbd.sock"), plan.daemon().uri());
        assertEquals(Optional.of("nbdinfo $uri"), plan.daemon().run());
        Files.delete(scratch);
        Cli given = Cli.run("server", "--data", dir.toString(), "--listen", "127.0.0.1:10999", "--run", "true");
        assertEquals("nbd://127.0.0.1:10999", given.plan().daemon().uri());
        assertEquals(Optional.of(dir.toAbsolutePath()), given.plan().data().map(d -> d.root().toAbsolutePath()));
        assertEquals(Optional.empty(), given.plan().daemon().scratch());
    }

    @Test
    void anEmptyRunCommandIsAUsageError() {
        Cli cli = Cli.run("server", "--run", " ");
        assertEquals(Main.USAGE, cli.exit());
        assertTrue(cli.err().startsWith("enbd: --run needs a command"), cli.err());
    }

    @Test
    void pidFileIsMadeAbsolute() {
        Cli cli = Cli.run("server", "--ephemeral", "--pidfile", "enbd.pid");
        assertEquals(Optional.of(Path.of("enbd.pid").toAbsolutePath()), cli.plan().daemon().pidFile());
    }
}
