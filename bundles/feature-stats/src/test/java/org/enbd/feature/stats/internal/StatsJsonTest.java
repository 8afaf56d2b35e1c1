package org.enbd.feature.stats.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatsJsonTest {
    private static final Instant T0 = Instant.parse("2026-11-30T17:50:00Z");

    private static StatsReading reading() {
        Counters export = new Counters();
        export.record(Command.READ, 4096, 20, null);
        export.record(Command.READ, 4096, 20, null);
        export.record(Command.WRITE, 512, 3000, ErrorClass.MEDIUM);
        export.record(Command.CONTROL, 0, 1, ErrorClass.WIRE);
        Counters one = new Counters();
        one.record(Command.READ, 4096, 20, null);
        return new StatsReading("disk \"one\"\n", T0, 1, 3, export.snapshot(),
                List.of(new StatsReading.Connection(3, "[::1]:40112", T0.plusSeconds(5), one.snapshot())));
    }

    @Test
    void whatIsWrittenReadsBackTheSame() {
        StatsReading written = reading();

        StatsReading read = StatsJson.read(StatsJson.write(written));

        assertEquals(written.export(), read.export(), "names are escaped and unescaped");
        assertEquals(written.since(), read.since());
        assertEquals(1, read.open());
        assertEquals(3, read.total());
        for (Command c : Command.values()) {
            Counters.Figures w = written.counters().of(c);
            Counters.Figures r = read.counters().of(c);
            assertEquals(List.of(w.requests(), w.bytes(), w.wireErrors(), w.mediumErrors()),
                    List.of(r.requests(), r.bytes(), r.wireErrors(), r.mediumErrors()), c.label);
            assertArrayEquals(w.latency(), r.latency(), c.label);
        }
        assertEquals(written.connections().getFirst().peer(), read.connections().getFirst().peer());
        assertEquals(4096, read.connections().getFirst().counters().of(Command.READ).bytes());
    }

    @Test
    void theDocumentNamesCommandsErrorClassesAndLatencyBucketsByTheirUpperBound() {
        String json = StatsJson.write(reading());

        assertTrue(json.startsWith("{\"export\":\"disk \\\"one\\\"\\n\",\"since\":\"2026-11-30T17:50:00Z\","
                + "\"connections\":{\"open\":1,\"total\":3},"), json);
        assertTrue(json.contains("\"read\":{\"requests\":2,\"bytes\":8192,\"errors\":{\"wire\":0,\"medium\":0},"
                + "\"latencyUs\":{\"32\":2}}"), json);
        assertTrue(json.contains("\"write\":{\"requests\":1,\"bytes\":0,\"errors\":{\"wire\":0,\"medium\":1},"
                + "\"latencyUs\":{\"4096\":1}}"), json);
        assertTrue(json.contains("\"flush\":{\"requests\":0,\"bytes\":0,\"errors\":{\"wire\":0,\"medium\":0},"
                + "\"latencyUs\":{}}"), json);
        assertTrue(json.contains("\"perConnection\":[{\"id\":3,\"peer\":\"[::1]:40112\""), json);
    }

    @Test
    void aCommandThePeerDoesNotCountReadsAsNone() {
        String json = StatsJson.write(reading()).replaceFirst("\"cache\":\\{[^}]*\\}[^}]*\\}\\},", "");
        assertFalse(json.substring(0, json.indexOf("perConnection")).contains("\"cache\""), json);

        assertEquals(0, StatsJson.read(json).counters().of(Command.CACHE).requests());
    }

    @Test
    void somethingElseIsRefusedWithWhatIsWrong() {
        assertEquals("not a stats document: connections is not an object",
                assertThrows(IllegalArgumentException.class, () -> StatsJson.read("{\"export\":\"x\"}")).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> StatsJson.read("{\"export\":"))
                .getMessage().startsWith("not a stats document: a value is missing"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> StatsJson.read("[1, 2] x"))
                .getMessage().contains("text after the value"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> StatsJson.read(StatsJson.write(reading()).replace("\"32\":2", "\"abc\":2")))
                .getMessage().contains("latency bucket 'abc'"));
    }
}
