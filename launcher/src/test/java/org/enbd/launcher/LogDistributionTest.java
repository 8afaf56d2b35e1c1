package org.enbd.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18, item 4: {@code --log stderr|syslog|journal} on the real distribution. Syslog and the journal are
 * AF_UNIX datagram sockets the test binds (the same protocol as /dev/log and /run/systemd/journal/socket);
 * stderr lines carry the date and the zone.
 */
class LogDistributionTest {
    private static final Duration UP = Duration.ofSeconds(90);
    private static final Duration DOWN = Duration.ofSeconds(60);
    /** {@code 2026-11-30T21:17:43.123+0000 INFO enbd - ...}: ISO 8601 date, time and offset, then the level. */
    private static final String STDERR_LINE = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}[+-]\\d{4} "
            + "(TRACE|DEBUG|INFO|WARN|ERROR) \\S+ - .*";

    @TempDir
    Path work;

    /** Before: {@code 21:17:43.123 INFO ...}, no date and no zone. */
    @Test
    void stderrLinesCarryTheDateAndTheZone() throws Exception {
        int port = EnbdProcess.freePort();
        try (EnbdProcess enbd = EnbdProcess.start(work, "server", "--ephemeral", "--console", "off", "--listen",
                "127.0.0.1:" + port)) {
            assertTrue(enbd.awaitLine(l -> l.startsWith("enbd: listening on"), UP).isPresent(), enbd.output());
            enbd.terminate();
            assertEquals(Optional.of(0), enbd.awaitExit(DOWN), enbd.output());
            List<String> lines = enbd.err().lines().toList();
            assertTrue(lines.stream().anyMatch(l -> l.matches(STDERR_LINE) && l.contains("listening on")),
                    enbd.output());
            assertTrue(lines.stream().allMatch(l -> l.matches(STDERR_LINE) || l.startsWith("enbd: ")),
                    enbd.output());
        }
    }

    /** Before: no --log option (a usage error). */
    @Test
    void syslogGetsOneDatagramPerEventAsGlibcSendsIt() throws Throwable {
        List<String> got = serveAndCollect("syslog", "syslog.sock");
        String pid = got.getFirst().replaceFirst("^.*enbd\\[(\\d+)]: .*$", "$1");
        assertTrue(got.stream().anyMatch(d -> d.matches("<30>[A-Z][a-z]{2} [ 1-3]\\d \\d\\d:\\d\\d:\\d\\d enbd\\["
                + pid + "]: INFO \\S+ - listening on .*")), String.join("\n", got));
        assertTrue(got.stream().allMatch(d -> d.matches("<(2[4-9]|3[01])>.* enbd\\[" + pid + "]: .*")),
                String.join("\n", got));
    }

    @Test
    void theJournalGetsItsNativeFieldsWithThePriority() throws Throwable {
        List<String> got = serveAndCollect("journal", "journal.sock");
        assertTrue(got.stream().anyMatch(d -> d.matches("(?s)PRIORITY=6\nSYSLOG_FACILITY=3\nSYSLOG_IDENTIFIER=enbd\n"
                + "SYSLOG_PID=\\d+\nMESSAGE=INFO \\S+ - listening on [^\n]*\n")), String.join("\n---\n", got));
    }

    @Test
    void anUnreachableSocketSaysSoOnceAndLogsToStderr() throws Exception {
        int port = EnbdProcess.freePort();
        try (EnbdProcess enbd = EnbdProcess.start(work, "--log", "syslog:" + work.resolve("nobody-listens"),
                "server", "--ephemeral", "--console", "off", "--listen", "127.0.0.1:" + port)) {
            assertTrue(enbd.awaitLine(l -> l.startsWith("enbd: listening on"), UP).isPresent(), enbd.output());
            enbd.terminate();
            assertEquals(Optional.of(0), enbd.awaitExit(DOWN), enbd.output());
            assertEquals(1, enbd.err().lines().filter(l -> l.startsWith("enbd: cannot log to syslog:")).count(),
                    enbd.output());
            assertTrue(enbd.err().lines().anyMatch(l -> l.matches(STDERR_LINE) && l.contains("listening on")),
                    enbd.output());
        }
    }

    private List<String> serveAndCollect(String kind, String socketName) throws Throwable {
        List<String> got = new ArrayList<>();
        int port = EnbdProcess.freePort();
        try (NotifySocket socket = NotifySocket.bind(work.resolve(socketName));
             EnbdProcess enbd = EnbdProcess.start(work, "--log", kind + ":" + socket.path(), "server", "--ephemeral",
                     "--console", "off", "--listen", "127.0.0.1:" + port)) {
            long deadline = System.nanoTime() + UP.toNanos();
            // drained as it comes: a full datagram queue would hold the sender, as /dev/log holds syslog(3)
            while (System.nanoTime() < deadline && !enbd.out().contains("enbd: listening on")) {
                drain(socket, got);
                Thread.sleep(50);
            }
            enbd.terminate();
            while (enbd.alive()) {
                drain(socket, got);
                Thread.sleep(50);
            }
            drain(socket, got);
            assertEquals(Optional.of(0), enbd.awaitExit(DOWN), enbd.output());
            assertTrue(enbd.out().contains("enbd: listening on 127.0.0.1:" + port), enbd.output());
            assertTrue(enbd.err().lines().noneMatch(l -> l.matches(STDERR_LINE)), "log lines on stderr too\n"
                    + enbd.output());
            assertTrue(!got.isEmpty(), enbd.output());
        }
        return got;
    }

    private static void drain(NotifySocket socket, List<String> got) throws Throwable {
        for (Optional<String> d = socket.poll(); d.isPresent(); d = socket.poll()) {
            got.add(d.get());
        }
    }
}
