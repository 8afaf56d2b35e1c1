package org.enbd.feature.stats.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class CountersTest {
    @Test
    void latencyBucketsArePowersOfTwoOfMicroseconds() {
        assertEquals(0, Counters.bucket(0), "under 1 us");
        assertEquals(1, Counters.bucket(1));
        assertEquals(2, Counters.bucket(2));
        assertEquals(2, Counters.bucket(3));
        assertEquals(10, Counters.bucket(1023));
        assertEquals(11, Counters.bucket(1024));
        assertEquals(Counters.BUCKETS - 1, Counters.bucket(Long.MAX_VALUE), "the last bucket takes anything slower");
        assertEquals(0, Counters.bucket(-5), "a clock that went back counts as instant");
        assertEquals(1024, Counters.upperBound(10));
    }

    @Test
    void aSuccessfulRequestCountsItsBytesAndItsLatency() {
        Counters counters = new Counters();
        counters.record(Command.WRITE, 4096, 100, null);
        counters.record(Command.WRITE, 512, 3, null);

        Counters.Figures write = counters.snapshot().of(Command.WRITE);
        assertEquals(2, write.requests());
        assertEquals(4608, write.bytes());
        assertEquals(0, write.errors());
        assertEquals(1, write.latency()[Counters.bucket(100)]);
        assertEquals(1, write.latency()[Counters.bucket(3)]);
        assertEquals(0, counters.snapshot().of(Command.READ).requests(), "other commands are untouched");
    }

    @Test
    void aFailedRequestCountsAsARequestAndAnErrorOfItsClassButMovesNoBytes() {
        Counters counters = new Counters();
        counters.record(Command.READ, 4096, 10, ErrorClass.MEDIUM);
        counters.record(Command.READ, 4096, 10, ErrorClass.WIRE);
        counters.record(Command.READ, 4096, 10, ErrorClass.WIRE);

        Counters.Figures read = counters.snapshot().of(Command.READ);
        assertEquals(3, read.requests());
        assertEquals(0, read.bytes());
        assertEquals(2, read.wireErrors());
        assertEquals(1, read.mediumErrors());
        assertEquals(3, read.latency()[Counters.bucket(10)], "failures have a latency too");
    }

    @Test
    void quantilesAreTheUpperBoundOfTheBucketThatHoldsThem() {
        Counters counters = new Counters();
        for (int i = 0; i < 98; i++) {
            counters.record(Command.FLUSH, 0, 20, null); // bucket [16, 32)
        }
        counters.record(Command.FLUSH, 0, 5000, null); // [4096, 8192)
        counters.record(Command.FLUSH, 0, 5000, null);

        Counters.Figures flush = counters.snapshot().of(Command.FLUSH);
        assertEquals(32, flush.quantileBelowMicros(0.5));
        assertEquals(8192, flush.quantileBelowMicros(0.99));
        assertEquals(0, counters.snapshot().of(Command.TRIM).quantileBelowMicros(0.5), "no requests, no quantile");
    }

    @Test
    void aSnapshotSumsEveryCommand() {
        Counters counters = new Counters();
        counters.record(Command.TRIM, 1 << 20, 1, null);
        counters.record(Command.CONTROL, 8, 1, ErrorClass.WIRE);
        counters.record(Command.CACHE, 1 << 20, 1, ErrorClass.MEDIUM);

        Counters.Snapshot snapshot = counters.snapshot();
        assertEquals(3, snapshot.requests());
        assertEquals(1, snapshot.wireErrors());
        assertEquals(1, snapshot.mediumErrors());
        assertArrayEquals(Command.values(), snapshot.commands().stream().map(Counters.Figures::command).toArray());
    }
}
