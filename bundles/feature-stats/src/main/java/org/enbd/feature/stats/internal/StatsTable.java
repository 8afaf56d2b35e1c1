package org.enbd.feature.stats.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** A {@link StatsReading} for people: the table {@code enbd stats} prints and the StatusBoard's one-line detail. */
final class StatsTable {
    private static final String ROW = "  %-8s %10s %16s %11s %13s %9s %9s";

    private StatsTable() {
    }

    /** The export's counters, then each open connection's, as lines of a table. */
    static List<String> lines(StatsReading reading) {
        List<String> lines = new ArrayList<>();
        lines.add("export \"" + reading.export() + "\": " + plural(reading.open(), "connection") + " open, "
                + reading.total() + " since " + reading.since());
        table(lines, reading.counters());
        for (StatsReading.Connection c : reading.connections()) {
            lines.add("connection " + c.id() + " (" + c.peer() + ", since " + c.since() + "):");
            table(lines, c.counters());
        }
        return lines;
    }

    private static void table(List<String> lines, Counters.Snapshot snapshot) {
        lines.add(String.format(Locale.ROOT, ROW, "command", "requests", "bytes", "wire errors", "medium errors",
                "p50 <us", "p99 <us"));
        long requests = 0;
        long bytes = 0;
        for (Counters.Figures f : snapshot.commands()) {
            lines.add(String.format(Locale.ROOT, ROW, f.command().label, f.requests(), f.bytes(), f.wireErrors(),
                    f.mediumErrors(), f.quantileBelowMicros(0.5), f.quantileBelowMicros(0.99)));
            requests += f.requests();
            bytes += f.bytes();
        }
        lines.add(String.format(Locale.ROOT, ROW, "total", requests, bytes, snapshot.wireErrors(),
                snapshot.mediumErrors(), "", ""));
    }

    /** One line: {@code read 12.0 MiB in 300 requests, write 0 B in 0 requests, 0 errors, 2 connections}. */
    static String summary(StatsReading reading) {
        Counters.Snapshot s = reading.counters();
        Counters.Figures read = s.of(Command.READ);
        Counters.Figures write = s.of(Command.WRITE);
        long errors = s.wireErrors() + s.mediumErrors();
        return "read " + size(read.bytes()) + " in " + plural(read.requests(), "request") + ", write "
                + size(write.bytes()) + " in " + plural(write.requests(), "request") + ", "
                + (errors == 0 ? "no errors" : plural(errors, "error") + " (" + s.wireErrors() + " wire, "
                + s.mediumErrors() + " medium)") + ", " + plural(reading.open(), "connection");
    }

    /** Bytes in binary units with one decimal: {@code 512 B}, {@code 1.5 KiB}, {@code 12.0 MiB}. */
    static String size(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }

    private static String plural(long n, String word) {
        return n + " " + word + (n == 1 ? "" : "s");
    }
}
