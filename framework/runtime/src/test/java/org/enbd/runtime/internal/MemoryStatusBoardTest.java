package org.enbd.runtime.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.enbd.api.control.Status;
import org.junit.jupiter.api.Test;

class MemoryStatusBoardTest {
    private final MemoryStatusBoard board = new MemoryStatusBoard();

    @Test
    void awaitReturnsWhenAnotherThreadReportsTheState() throws Exception {
        board.report(Status.of("l1", "listener", Status.State.STARTING, ""));
        Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return;
            }
            board.report(Status.of("l1", "listener", Status.State.UP, "listening on 127.0.0.1:1"));
        });
        Status up = board.await("l1", s -> s.state() == Status.State.UP, Duration.ofSeconds(5));
        assertEquals("listening on 127.0.0.1:1", up.detail());
    }

    @Test
    void awaitTimesOutNamingTheLastState() {
        board.report(Status.of("x", "export", Status.State.FAILED, "no such file"));
        TimeoutException e = assertThrows(TimeoutException.class,
                () -> board.await("x", s -> s.state() == Status.State.UP, Duration.ofMillis(50)));
        assertTrue(e.getMessage().contains("no such file"), e.getMessage());
    }

    @Test
    void snapshotIsOrderedAndRemoveForgets() {
        board.report(Status.of("b", "export", Status.State.UP, ""));
        board.report(Status.of("a", "export", Status.State.UP, ""));
        assertEquals("a", board.snapshot().get(0).id());
        board.remove("a");
        assertEquals(1, board.snapshot().size());
        assertTrue(board.get("a").isEmpty());
    }
}
