package org.enbd.feature.fault.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.junit.jupiter.api.Test;

/** The fault feature's thread: tasks run when due, in deadline order, and none is left unanswered at close. */
class DelaysTest {
    private static final long MS = 1_000_000L;

    @Test
    void tasksRunWhenDueInDeadlineOrderNotInArrivalOrder() throws Exception {
        List<String> ran = new CopyOnWriteArrayList<>();
        CountDownLatch all = new CountDownLatch(3);
        long start = System.nanoTime();
        try (Delays delays = new Delays("test-delays")) {
            delays.after(120 * MS, () -> { ran.add("late"); all.countDown(); }, e -> { });
            delays.after(60 * MS, () -> { ran.add("middle"); all.countDown(); }, e -> { });
            delays.after(0, () -> { ran.add("now"); all.countDown(); }, e -> { });
            assertTrue(all.await(10, TimeUnit.SECONDS));
        }
        assertEquals(List.of("now", "middle", "late"), ran);
        assertTrue(System.nanoTime() - start >= 120 * MS, "the late one waited its 120 ms");
    }

    @Test
    void closeFailsWhatWaitsWithEshutdownAndLaterTasksAtOnce() {
        List<NbdError> stopped = new CopyOnWriteArrayList<>();
        List<String> ran = new CopyOnWriteArrayList<>();
        Delays delays = new Delays("test-delays");
        delays.after(60_000 * MS, () -> ran.add("never"), e -> stopped.add(e.error()));
        assertEquals(1, delays.waiting());
        delays.close();
        assertEquals(List.of(NbdError.ESHUTDOWN), stopped);
        delays.after(0, () -> ran.add("after close"), (NbdException e) -> stopped.add(e.error()));
        assertEquals(List.of(NbdError.ESHUTDOWN, NbdError.ESHUTDOWN), stopped);
        assertTrue(ran.isEmpty(), ran.toString());
        assertEquals(0, delays.waiting());
    }
}
