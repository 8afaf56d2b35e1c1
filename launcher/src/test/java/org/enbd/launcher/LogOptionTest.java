package org.enbd.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@code --log stderr|syslog[:PATH]|journal[:PATH]}, before or after the command. */
class LogOptionTest {
    @Test
    void stderrIsTheDefault() {
        assertEquals(LogTarget.STDERR, Cli.run("server").plan().log());
    }

    @Test
    void syslogAndTheJournalHaveTheirUsualSocketsOrTheOneGiven() {
        assertEquals(new LogTarget(LogTarget.Kind.SYSLOG, Path.of("/dev/log")),
                Cli.run("--log", "syslog", "server").plan().log());
        assertEquals(new LogTarget(LogTarget.Kind.JOURNAL, Path.of("/run/systemd/journal/socket")),
                Cli.run("server", "--log", "journal").plan().log());
        assertEquals(new LogTarget(LogTarget.Kind.SYSLOG, Path.of("/run/rsyslog.sock")),
                Cli.run("client", "nbd://h/x", "--serve", "127.0.0.1:10810", "--log", "syslog:/run/rsyslog.sock")
                        .plan().log());
    }

    @Test
    void anythingElseIsAUsageError() {
        for (String[] bad : new String[][] {{"file", "expected stderr, syslog[:PATH] or journal[:PATH]"},
                {"syslog:dev/log", "the socket must be an absolute path"}, {"stderr:/x", "takes no socket"}}) {
            Cli cli = Cli.run("--log", bad[0], "server");
            assertEquals(Main.USAGE, cli.exit(), bad[0]);
            assertTrue(cli.errLines().getFirst().startsWith("enbd: --log "), cli.err());
            assertTrue(cli.errLines().getFirst().contains(bad[1]), cli.err());
        }
    }
}
