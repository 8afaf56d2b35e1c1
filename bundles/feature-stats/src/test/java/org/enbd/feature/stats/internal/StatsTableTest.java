package org.enbd.feature.stats.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatsTableTest {
    private static final Instant T0 = Instant.parse("2026-11-30T17:50:00Z");

    @Test
    void theTableHasARowPerCommandAndATotalForTheExportAndEachConnection() {
        Counters export = new Counters();
        export.record(Command.READ, 1 << 20, 20, null);
        export.record(Command.WRITE, 4096, 100, ErrorClass.MEDIUM);
        Counters one = new Counters();
        one.record(Command.READ, 1 << 20, 20, null);
        StatsReading reading = new StatsReading("disk", T0, 1, 2, export.snapshot(),
                List.of(new StatsReading.Connection(2, "127.0.0.1:4000", T0, one.snapshot())));

        List<String> lines = StatsTable.lines(reading);

        assertEquals(List.of(
                "export \"disk\": 1 connection open, 2 since 2026-11-30T17:50:00Z",
                "  command    requests            bytes wire errors medium errors   p50 <us   p99 <us",
                "  read              1          1048576           0             0        32        32",
                "  write             1                0           0             1       128       128",
                "  flush             0                0           0             0         0         0",
                "  trim              0                0           0             0         0         0",
                "  zero              0                0           0             0         0         0",
                "  extents           0                0           0             0         0         0",
                "  cache             0                0           0             0         0         0",
                "  control           0                0           0             0         0         0",
                "  total             2          1048576           0             1                    "),
                lines.subList(0, 11));
        assertEquals("connection 2 (127.0.0.1:4000, since 2026-11-30T17:50:00Z):", lines.get(11));
        assertEquals("  read              1          1048576           0             0        32        32",
                lines.get(13));
        assertEquals(22, lines.size());
    }

    @Test
    void theSummaryIsOneLineWithSizesInBinaryUnits() {
        Counters export = new Counters();
        export.record(Command.WRITE, 12 << 20, 1, null);
        export.record(Command.READ, 1536, 1, null);
        export.record(Command.TRIM, 0, 1, ErrorClass.WIRE);
        StatsReading reading = new StatsReading("", T0, 2, 2, export.snapshot(), List.of());

        assertEquals("read 1.5 KiB in 1 request, write 12.0 MiB in 1 request, 1 error (1 wire, 0 medium), "
                + "2 connections", StatsTable.summary(reading));
        assertEquals("512 B", StatsTable.size(512));
        assertEquals("1.0 GiB", StatsTable.size(1L << 30));
    }
}
