package org.enbd.feature.stats.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.junit.jupiter.api.Test;

class StatsQueryTest {
    private static final String URI = "nbd://server/disk";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private final ScriptedLayer device = new ScriptedLayer();

    private NbdException refusal(boolean enbdServer) {
        return assertThrows(NbdException.class, () -> StatsQuery.ask(device, enbdServer, URI, "disk", TIMEOUT));
    }

    @Test
    void theAnswerIsTheDocumentAndWhatItSays() throws Exception {
        Counters counters = new Counters();
        counters.record(Command.WRITE, 4096, 10, null);
        String json = StatsJson.write(new StatsReading("disk", Instant.EPOCH, 0, 1, counters.snapshot(), List.of()));
        device.next = CompletableFuture.completedFuture(Unpooled.copiedBuffer(json, StandardCharsets.UTF_8));

        StatsQuery.Answer answer = StatsQuery.ask(device, true, URI, "disk", TIMEOUT);

        assertEquals(json, answer.json());
        assertEquals(4096, answer.reading().counters().of(Command.WRITE).bytes());
        assertEquals(List.of("control 0x300"), device.calls);
    }

    @Test
    void aServerWithoutEnbdJsExtensionIsNotAsked() {
        NbdException e = refusal(false);
        assertEquals("nbd://server/disk is not an ENBD-J server (it does not speak ENBD-J's extension channel), so "
                + "it has no stats to ask for", e.getMessage());
        assertEquals(List.of(), device.calls);
    }

    @Test
    void anExportWithoutTheStatsFeatureSaysSo() {
        device.failure = ScriptedLayer.error(NbdError.ENOTSUP);
        assertEquals("export \"disk\" has no stats feature (ENOTSUP)", refusal(true).getMessage());
    }

    @Test
    void anotherFailureIsPassedOnWithItsError() {
        device.failure = ScriptedLayer.error(NbdError.EIO);
        NbdException e = refusal(true);
        assertEquals(NbdError.EIO, e.error());
        assertEquals("STATS_QUERY to nbd://server/disk failed: scripted EIO", e.getMessage());
    }

    @Test
    void anAnswerThatIsNoStatsDocumentIsAnError() {
        device.next = CompletableFuture.completedFuture(Unpooled.copiedBuffer("pong", StandardCharsets.UTF_8));
        NbdException e = refusal(true);
        assertTrue(e.getMessage().startsWith("nbd://server/disk answered STATS_QUERY with something else: not a "
                + "stats document"), e.getMessage());
    }
}
