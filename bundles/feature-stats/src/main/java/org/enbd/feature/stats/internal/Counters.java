package org.enbd.feature.stats.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Requests, bytes, errors and latency of one export or one connection, by command. Recording is lock-free and
 * allocates nothing: {@link LongAdder}s for the figures every request touches (an export's are hit from every
 * event loop at once), one {@link AtomicLongArray} for the latency histograms.
 *
 * <p>Latency is kept in log2 buckets of microseconds: bucket 0 counts requests under 1 µs, bucket {@code b}
 * those from 2^(b-1) up to 2^b µs, and the last bucket also everything slower.
 */
final class Counters {
    static final int BUCKETS = 32;

    private final LongAdder[] requests = adders(Command.ALL.size());
    private final LongAdder[] bytes = adders(Command.ALL.size());
    private final LongAdder[] errors = adders(Command.ALL.size() * ErrorClass.COUNT);
    private final AtomicLongArray latency = new AtomicLongArray(Command.ALL.size() * BUCKETS);

    /**
     * Counts one finished request.
     *
     * @param bytes  what it moved, counted only when it succeeded
     * @param micros how long it took
     * @param error  why it failed, or null
     */
    void record(Command command, long bytes, long micros, ErrorClass error) {
        int c = command.ordinal();
        requests[c].increment();
        if (error == null) {
            this.bytes[c].add(bytes);
        } else {
            errors[c * ErrorClass.COUNT + error.ordinal()].increment();
        }
        latency.incrementAndGet(c * BUCKETS + bucket(micros));
    }

    /** The bucket of a latency: the bit length of {@code micros}, capped at the last bucket. */
    static int bucket(long micros) {
        return Math.min(BUCKETS - 1, 64 - Long.numberOfLeadingZeros(Math.max(0, micros)));
    }

    /** The exclusive upper bound of a bucket in microseconds (the last bucket holds anything slower too). */
    static long upperBound(int bucket) {
        return 1L << bucket;
    }

    /** The figures now; each is exact, but requests finishing meanwhile may show in some and not yet in others. */
    Snapshot snapshot() {
        List<Figures> all = new ArrayList<>(Command.ALL.size());
        for (Command command : Command.ALL) {
            int c = command.ordinal();
            long[] histogram = new long[BUCKETS];
            for (int b = 0; b < BUCKETS; b++) {
                histogram[b] = latency.get(c * BUCKETS + b);
            }
            all.add(new Figures(command, requests[c].sum(), bytes[c].sum(),
                    errors[c * ErrorClass.COUNT + ErrorClass.WIRE.ordinal()].sum(),
                    errors[c * ErrorClass.COUNT + ErrorClass.MEDIUM.ordinal()].sum(), histogram));
        }
        return new Snapshot(List.copyOf(all));
    }

    private static LongAdder[] adders(int n) {
        LongAdder[] adders = new LongAdder[n];
        for (int i = 0; i < n; i++) {
            adders[i] = new LongAdder();
        }
        return adders;
    }

    /** One command's figures at one moment; {@code latency} is indexed by bucket. */
    record Figures(Command command, long requests, long bytes, long wireErrors, long mediumErrors, long[] latency) {
        long errors() {
            return wireErrors + mediumErrors;
        }

        /**
         * The upper bound in microseconds of the bucket holding the {@code quantile} (0..1) of requests, or 0
         * when there were none: "p99 below 512 µs".
         */
        long quantileBelowMicros(double quantile) {
            long wanted = (long) Math.ceil(quantile * requests);
            long seen = 0;
            for (int b = 0; b < latency.length; b++) {
                seen += latency[b];
                if (seen >= wanted && seen > 0) {
                    return upperBound(b);
                }
            }
            return 0;
        }
    }

    /** Every command's figures at one moment, in {@link Command} order. */
    record Snapshot(List<Figures> commands) {
        Figures of(Command command) {
            return commands.get(command.ordinal());
        }

        long requests() {
            return commands.stream().mapToLong(Figures::requests).sum();
        }

        long wireErrors() {
            return commands.stream().mapToLong(Figures::wireErrors).sum();
        }

        long mediumErrors() {
            return commands.stream().mapToLong(Figures::mediumErrors).sum();
        }
    }
}
