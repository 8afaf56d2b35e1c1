package org.enbd.launcher.host;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import org.enbd.launcher.LogTarget;
import org.junit.jupiter.api.Test;

/** The datagram of one log event, for syslog (glibc's syslog(3) format) and for the journal (native fields). */
class LogSinkTest {
    private static final ZonedDateTime AT = ZonedDateTime.of(2026, 11, 3, 21, 7, 5, 0, ZoneOffset.UTC);

    @Test
    void syslogHasFacilityDaemonTheSeverityTheTagAndThePid() {
        assertEquals("<30>Nov  3 21:07:05 enbd[42]: INFO enbd - up",
                LogSink.datagram(LogTarget.Kind.SYSLOG, 6, "INFO enbd - up", 42, AT));
        assertEquals("<28>Nov  3 21:07:05 enbd[42]: WARN enbd - down",
                LogSink.datagram(LogTarget.Kind.SYSLOG, LogSink.priority("WARN"), "WARN enbd - down", 42, AT));
    }

    @Test
    void theJournalGetsOneFieldPerLine() {
        assertEquals("PRIORITY=3\nSYSLOG_FACILITY=3\nSYSLOG_IDENTIFIER=enbd\nSYSLOG_PID=42\nMESSAGE=ERROR x - y\n",
                LogSink.datagram(LogTarget.Kind.JOURNAL, LogSink.priority("ERROR"), "ERROR x - y", 42, AT));
    }

    @Test
    void levelsMapToSyslogSeverities() {
        assertEquals(3, LogSink.priority("SEVERE"));
        assertEquals(4, LogSink.priority("WARNING"));
        assertEquals(6, LogSink.priority("INFO"));
        assertEquals(7, LogSink.priority("DEBUG"));
        assertEquals(7, LogSink.priority("TRACE"));
    }
}
