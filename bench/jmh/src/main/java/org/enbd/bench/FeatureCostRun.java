package org.enbd.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The feature-cost figures of bench/README.md, robust to a busy machine: instead of JMH's one configuration after
 * another, the stacks (none, passthrough, counting) take turns in short rounds, in a rotating order, and each
 * configuration's median over the rounds is compared with {@code none}'s in the same run. Uses the fixtures of
 * {@link FeatureStackBenchmark} (memory backend, whole transmission phase) and {@link EndpointFeatureBenchmark}
 * (the client's local endpoint over the remote device, loopback, 32 in flight).
 *
 * <pre>bench/jmh/run-main org.enbd.bench.FeatureCostRun [ROUNDS] [MILLIS_PER_TURN]</pre>
 */
public final class FeatureCostRun {
    private static final List<String> STACKS = List.of("none", "passthrough", "counting", "counting+restack");
    /** Through the endpoint copy-on-write too (in the in-loop fixture its writes would complete off the loop). */
    private static final List<String> ENDPOINT_STACKS = List.of("none", "passthrough", "counting",
            "counting+restack", "cow");

    private FeatureCostRun() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        long millis = args.length > 1 ? Long.parseLong(args[1]) : 400;
        for (String command : List.of("READ", "WRITE")) {
            report("memory backend, 4 KiB " + command, measure(STACKS, rounds, millis,
                    stack -> memory(stack, command)));
            report("client endpoint, 4 KiB " + command, measure(ENDPOINT_STACKS, rounds, millis,
                    stack -> endpoint(stack, command)));
        }
    }

    /** One configuration, opened once and driven in turns. */
    interface Fixture extends AutoCloseable {
        /** Runs requests for about {@code millis}; returns requests done. */
        long run(long millis);

        @Override
        void close();
    }

    @FunctionalInterface
    interface Opener {
        Fixture open(String stack) throws Exception;
    }

    private static Map<String, double[]> measure(List<String> stacks, int rounds, long millis, Opener opener)
            throws Exception {
        Map<String, Fixture> fixtures = new LinkedHashMap<>();
        Map<String, double[]> rates = new LinkedHashMap<>();
        try {
            for (String stack : stacks) {
                Fixture fixture = opener.open(stack);
                fixtures.put(stack, fixture);
                fixture.run(2 * millis); // warm-up, each its own
                rates.put(stack, new double[rounds]);
            }
            for (int round = 0; round < rounds; round++) {
                for (int i = 0; i < stacks.size(); i++) {
                    String stack = stacks.get((round + i) % stacks.size());
                    long start = System.nanoTime();
                    long done = fixtures.get(stack).run(millis);
                    rates.get(stack)[round] = done / ((System.nanoTime() - start) / 1e9);
                }
            }
        } finally {
            fixtures.values().forEach(Fixture::close);
        }
        return rates;
    }

    private static void report(String what, Map<String, double[]> rates) {
        double none = median(rates.get("none"));
        System.out.printf("%s%n", what);
        for (Map.Entry<String, double[]> e : rates.entrySet()) {
            double m = median(e.getValue());
            System.out.printf("  %-12s %12.0f req/s  %7.2f us/req  x%.3f of none  (%+.2f us/req)%n", e.getKey(), m,
                    1e6 / m, m / none, 1e6 / m - 1e6 / none);
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    }

    private static Fixture memory(String stack, String command) throws Exception {
        FeatureStackBenchmark bench = new FeatureStackBenchmark();
        bench.stack = stack;
        bench.command = command;
        bench.open();
        return new Fixture() {
            @Override
            public long run(long millis) {
                long end = System.nanoTime() + millis * 1_000_000;
                long n = 0;
                while (System.nanoTime() < end) {
                    for (int i = 0; i < 256; i++) {
                        bench.request();
                    }
                    n += 256;
                }
                return n;
            }

            @Override
            public void close() {
                bench.close();
            }
        };
    }

    private static Fixture endpoint(String stack, String command) throws Exception {
        EndpointFeatureBenchmark bench = new EndpointFeatureBenchmark();
        bench.stack = stack;
        bench.command = command;
        bench.open();
        return new Fixture() {
            @Override
            public long run(long millis) {
                long end = System.nanoTime() + millis * 1_000_000;
                long n = 0;
                while (System.nanoTime() < end) {
                    n += bench.requests();
                }
                return n;
            }

            @Override
            public void close() {
                bench.close();
            }
        };
    }
}
