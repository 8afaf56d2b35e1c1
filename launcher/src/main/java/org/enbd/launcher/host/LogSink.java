package org.enbd.launcher.host;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.enbd.launcher.LogTarget;

/**
 * The log lines (slf4j-simple's and java.util.logging's, one per event: {@code DATE LEVEL logger - message}) sent
 * to syslog or the journal instead of stderr, one datagram per line through {@link SdNotify}'s AF_UNIX sender:
 * <ul>
 *   <li>syslog: {@code <PRI>Mmm dd hh:mm:ss enbd[PID]: LEVEL logger - message}, as glibc's syslog(3) sends it
 *       (facility daemon; the receiver adds its own date, so the line's is left out);</li>
 *   <li>journal: the native protocol's fields {@code PRIORITY}, {@code SYSLOG_FACILITY}, {@code SYSLOG_IDENTIFIER},
 *       {@code SYSLOG_PID} and {@code MESSAGE}.</li>
 * </ul>
 * The priority follows the level (ERROR 3, WARN 4, INFO 6, DEBUG and TRACE 7); a line without one (a stack
 * trace's, a JVM warning) takes the last line's. When the socket cannot be reached, it says so once on stderr and
 * logs to stderr from then on: a log that goes nowhere is worse than one in the wrong place.
 */
final class LogSink extends OutputStream {
    private static final int DAEMON = 3;
    /** The log line: its date, an optional [thread], the level, the rest. */
    private static final Pattern LINE = Pattern.compile("^(\\S+) (?:\\[[^\\]]*] )?(TRACE|DEBUG|INFO|WARN|ERROR|"
            + "SEVERE|WARNING|CONFIG|FINE|FINER|FINEST) (.*)$");
    private static final DateTimeFormatter RFC3164 = DateTimeFormatter.ofPattern("MMM ppd HH:mm:ss", Locale.ROOT);

    private final LogTarget target;
    private final SdNotify socket;
    private final PrintStream stderr;
    private final long pid = ProcessHandle.current().pid();
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private int lastPriority = 6;
    private volatile boolean fallenBack;

    private LogSink(LogTarget target, PrintStream stderr) {
        this.target = target;
        this.socket = SdNotify.datagramsTo(target.socket());
        this.stderr = stderr;
    }

    /** Sends what is written to System.err from now on to {@code target} (nothing changes for stderr). */
    static void install(LogTarget target) {
        if (target.kind() == LogTarget.Kind.STDERR) {
            return;
        }
        System.setErr(new PrintStream(new LogSink(target, System.err), true, StandardCharsets.UTF_8));
    }

    @Override
    public synchronized void write(int b) {
        if (b == '\n') {
            flushLine();
        } else {
            line.write(b);
        }
    }

    @Override
    public synchronized void write(byte[] bytes, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            write(bytes[i]);
        }
    }

    private void flushLine() {
        String text = line.toString(StandardCharsets.UTF_8).stripTrailing();
        line.reset();
        if (text.isEmpty()) {
            return;
        }
        if (fallenBack) {
            stderr.println(text);
            return;
        }
        Matcher m = LINE.matcher(text);
        String message = text;
        if (m.matches()) {
            lastPriority = priority(m.group(2));
            message = m.group(2) + " " + m.group(3);
        }
        try {
            socket.send(datagram(target.kind(), lastPriority, message, pid, ZonedDateTime.now()));
        } catch (IOException | RuntimeException e) {
            fallenBack = true;
            String why = String.valueOf(e.getMessage()).replaceFirst("^cannot notify \\S+: ", "");
            stderr.println("enbd: cannot log to " + target + " (" + why + "): logging to stderr");
            stderr.println(text);
        }
    }

    /** The datagram of one event. */
    static String datagram(LogTarget.Kind kind, int priority, String message, long pid, ZonedDateTime now) {
        if (kind == LogTarget.Kind.JOURNAL) {
            return "PRIORITY=" + priority + "\nSYSLOG_FACILITY=" + DAEMON + "\nSYSLOG_IDENTIFIER=enbd\nSYSLOG_PID="
                    + pid + "\nMESSAGE=" + message + "\n";
        }
        return "<" + (DAEMON * 8 + priority) + ">" + RFC3164.format(now) + " enbd[" + pid + "]: " + message;
    }

    /** syslog's severity of a level. */
    static int priority(String level) {
        return switch (level) {
            case "ERROR", "SEVERE" -> 3;
            case "WARN", "WARNING" -> 4;
            case "INFO" -> 6;
            default -> 7;
        };
    }

    @Override
    public synchronized void flush() {
        stderr.flush();
    }
}
