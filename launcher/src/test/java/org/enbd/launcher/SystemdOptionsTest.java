package org.enbd.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

/** What systemd hands a service: inherited sockets (LISTEN_FDS), and secrets from a file or the environment. */
@ResourceLock("environment")
class SystemdOptionsTest {
    private static final String PID = Long.toString(ProcessHandle.current().pid());

    @TempDir
    Path dir;

    @Test
    void inheritedSocketsAreTheListenersInsteadOfTheDefault() throws Exception {
        try (AutoCloseable env = Environment.replace(Map.of("LISTEN_FDS", "2", "LISTEN_PID", PID))) {
            Cli cli = Cli.run("server", "--ephemeral");
            assertEquals(0, cli.exit(), cli.err());
            List<Object> addresses = cli.plan().of(FactoryConfiguration.LISTENER).stream()
                    .map(c -> c.properties().get("address")).toList();
            assertEquals(List.of("nbd://inherited-3?fd=3", "nbd://inherited-4?fd=4"), addresses);
            assertEquals(List.of("fd-3", "fd-4"), cli.plan().of(FactoryConfiguration.LISTENER).stream()
                    .map(FactoryConfiguration::name).toList());
            Cli both = Cli.run("server", "--ephemeral", "--listen", "127.0.0.1:10900");
            assertEquals(List.of("nbd://127.0.0.1:10900"), both.plan().of(FactoryConfiguration.LISTENER).stream()
                    .map(c -> c.properties().get("address")).toList(), "an explicit --listen wins");
        }
    }

    @Test
    void aListenerAnEarlierRunInheritedIsNotKeptForTheNext() throws Exception {
        DataDirectory data = new DataDirectory(dir.resolve("data"));
        Files.createDirectories(data.etc());
        data.write(new FactoryConfiguration(FactoryConfiguration.LISTENER, "fd-3", "listener fd:3",
                Map.of("address", "nbd://inherited-3?fd=3")));
        Cli cli = Cli.run("server", "--data", data.root().toString(), "--console", "off");
        assertEquals(0, cli.exit(), cli.err());
        assertEquals("nbd://127.0.0.1:10809", cli.only(FactoryConfiguration.LISTENER).properties().get("address"),
                "bound as without systemd");
        assertTrue(cli.plan().stored().stream().noneMatch(FactoryConfiguration::inheritedListener),
                cli.plan().stored().toString());
    }

    @Test
    void socketsMeantForAnotherProcessAreNotOurs() throws Exception {
        try (AutoCloseable env = Environment.replace(Map.of("LISTEN_FDS", "1", "LISTEN_PID", "1"))) {
            Cli cli = Cli.run("server", "--ephemeral");
            assertEquals("nbd://127.0.0.1:10809", cli.only(FactoryConfiguration.LISTENER).properties().get("address"));
        }
    }

    @Test
    void fdListenAddressesAreCheckedAndTheUriCannotBePrinted() {
        assertEquals("nbd://inherited-5?fd=5", ListenAddress.parse("fd:5").uri());
        Cli low = Cli.run("server", "--listen", "fd:2");
        assertEquals(2, low.exit());
        assertTrue(low.err().contains("fd:N"), low.err());
        Cli uri = Cli.run("server", "--ephemeral", "--listen", "fd:3", "--print-uri");
        assertEquals(2, uri.exit());
        assertTrue(uri.err().contains("inherited from systemd"), uri.err());
    }

    @Test
    void theConsolePasswordComesFromAFileOrTheEnvironment() throws Exception {
        Path file = dir.resolve("password");
        Files.writeString(file, "from-a-file\nignored\n");
        Cli fromFile = Cli.run("server", "--console", "0.0.0.0:9090", "--console-password-file", file.toString());
        assertEquals(0, fromFile.exit(), fromFile.err());
        assertEquals("from-a-file", fromFile.plan().console().password());
        try (AutoCloseable env = Environment.replace(Map.of(ConsoleAccount.PASSWORD_VARIABLE, "from-env"))) {
            Cli fromEnv = Cli.run("server", "--console", "0.0.0.0:9090");
            assertEquals(0, fromEnv.exit(), fromEnv.err());
            assertEquals("from-env", fromEnv.plan().console().password());
            assertEquals("from-a-file", Cli.run("server", "--console", "0.0.0.0:9090", "--console-password-file",
                    file.toString()).plan().console().password(), "the file before the environment");
        }
    }

    @Test
    void badPasswordSourcesAreUsageErrorsThatNeverShowThePassword() throws Exception {
        Path file = dir.resolve("password");
        Files.writeString(file, "s3cret\n");
        Cli both = Cli.run("server", "--console-password", "s3cret", "--console-password-file", file.toString());
        assertEquals(2, both.exit());
        assertTrue(both.err().contains("not both"), both.err());
        assertFalse(both.err().contains("s3cret"), both.err());
        Path empty = dir.resolve("empty");
        Files.writeString(empty, "\n");
        Cli blank = Cli.run("server", "--console-password-file", empty.toString());
        assertEquals(2, blank.exit());
        assertTrue(blank.err().contains("empty"), blank.err());
        Cli missing = Cli.run("server", "--console-password-file", dir.resolve("none").toString());
        assertEquals(2, missing.exit());
        assertTrue(missing.err().contains("cannot read"), missing.err());
        try (AutoCloseable env = Environment.replace(Map.of(ConsoleAccount.PASSWORD_VARIABLE, ""))) {
            assertEquals(2, Cli.run("server").exit(), "an empty ENBD_CONSOLE_PASSWORD");
        }
    }
}
