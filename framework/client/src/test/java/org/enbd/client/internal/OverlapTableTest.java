package org.enbd.client.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.enbd.client.internal.OverlapTable.Kind;
import org.enbd.client.internal.OverlapTable.RangeLock;
import org.junit.jupiter.api.Test;

class OverlapTableTest {
    private final OverlapTable t = new OverlapTable();

    @Test
    void aLaterWriteWaitsForAnEarlierOverlappingOneOnly() {
        t.add(1, 4096, 4096, Kind.WRITE);
        assertTrue(t.blocked(2, 0, 4097, true));
        assertTrue(t.blocked(2, 8191, 10, true));
        assertFalse(t.blocked(2, 0, 4096, true), "adjacent is not overlapping");
        assertFalse(t.blocked(2, 8192, 4096, true));
        assertFalse(t.blocked(1, 4096, 4096, true), "a request never waits for itself");
        assertFalse(t.blocked(0, 4096, 4096, true), "nor for a younger lock");
    }

    @Test
    void kindsDecideWhatWaits() {
        t.add(1, 0, 100, Kind.WRITE);
        t.add(2, 1000, 100, Kind.GHOST);
        t.add(3, 2000, 100, Kind.REPLAY);
        assertFalse(t.blocked(9, 0, 10, false), "reads pass writes in flight");
        assertFalse(t.blocked(9, 1000, 10, false), "reads pass ghosts");
        assertTrue(t.blocked(9, 1000, 10, true), "writes wait for ghosts");
        assertTrue(t.blocked(9, 2000, 10, false), "reads wait for replays");
        assertTrue(t.blocked(9, 2000, 10, true));
    }

    @Test
    void releaseIsIdempotentAndFindsLongRangesFromFarBelow() {
        RangeLock big = t.add(1, 0, 1L << 40, Kind.WRITE);
        RangeLock small = t.add(2, 1L << 39, 512, Kind.WRITE);
        assertTrue(t.blocked(5, (1L << 40) - 1, 1, true));
        t.release(big);
        t.release(big);
        assertEquals(1, t.size());
        assertFalse(t.blocked(5, (1L << 40) - 1, 1, true));
        assertTrue(t.blocked(5, 1L << 39, 1, true));
        t.release(small);
        assertEquals(0, t.size());
        assertFalse(t.holds(Kind.WRITE));
    }
}
