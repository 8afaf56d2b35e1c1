package org.enbd.itest.client;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.enbd.api.stream.StreamAddress;
import org.enbd.client.DeviceStack;
import org.enbd.client.LocalEndpoint;
import org.enbd.client.RemoteDevice;
import org.enbd.feature.async.internal.AsyncFeature;
import org.enbd.server.LayeredExport;
import org.enbd.server.StackEntry;

/**
 * For measurements by hand (not a test): what ack-late gains a writer that waits for each write (queue depth 1,
 * as a file system's synchronous writes or swap-out), against nbdkit memory behind its delay filter (every write
 * answered DELAY late, as a distant server). {@code qemu-img bench -w -d 1} writes COUNT x SIZE bytes through the
 * local endpoint of a client device with and without the async feature, alternating, ROUNDS times each; prints
 * MiB/s per run and the median ratio.
 * {@code AckLateGainMain DELAY(e.g. 5ms) COUNT SIZE ROUNDS WINDOW}
 */
public final class AckLateGainMain {
    private AckLateGainMain() {
    }

    public static void main(String[] args) throws Exception {
        String delay = args[0];
        int count = Integer.parseInt(args[1]);
        int size = Integer.parseInt(args[2]);
        int rounds = Integer.parseInt(args[3]);
        String window = args[4];
        List<Double> plain = new ArrayList<>();
        List<Double> async = new ArrayList<>();
        try (Peers peers = new Peers(); Engine engine = new Engine()) {
            int port = Peers.freePort();
            Servers.nbdkit(peers, port, "--filter=delay", "memory", "1G", "wdelay=" + delay);
            String server = "nbd://127.0.0.1:" + port + "/";
            for (int round = 0; round < rounds; round++) {
                for (boolean withAsync : new boolean[] {false, true}) {
                    double mibs = run(peers, engine, server, withAsync, window, count, size);
                    (withAsync ? async : plain).add(mibs);
                    System.out.printf(Locale.ROOT, "round %d %-9s %8.1f MiB/s%n", round + 1,
                            withAsync ? "ack-late" : "plain", mibs);
                }
            }
        }
        double p = median(plain);
        double a = median(async);
        System.out.printf(Locale.ROOT, "median: plain %.1f MiB/s, ack-late %.1f MiB/s, ratio %.1fx (delay %s, %d x %d"
                + " bytes, queue depth 1, window %s)%n", p, a, a / p, delay, count, size, window);
    }

    private static double run(Peers peers, Engine engine, String server, boolean withAsync, String window,
                              int count, int size) throws Exception {
        Path socket = Files.createTempFile(peers.dir, "gain", ".sock");
        Files.delete(socket);
        try (RemoteDevice device = engine.open(Engine.options(server).withConnections(2));
             LayeredExport stack = DeviceStack.open(device, withAsync
                     ? List.of(StackEntry.of("async", new AsyncFeature(window))) : List.of());
             LocalEndpoint endpoint = LocalEndpoint.start(device, stack, engine.tcp,
                     StreamAddress.unix(socket.toString(), ""))) {
            long start = System.nanoTime();
            int rc = peers.run(Duration.ofMinutes(10), "bench", "qemu-img", "bench", "-w", "-d", "1", "-c",
                    Integer.toString(count), "-s", Integer.toString(size), "-S", Integer.toString(size), "-f", "raw",
                    "nbd+unix:///?socket=" + socket);
            long nanos = System.nanoTime() - start;
            if (rc != 0) {
                throw new IllegalStateException("qemu-img bench failed: " + peers.log("bench"));
            }
            return (double) count * size / (1 << 20) / (nanos / 1e9);
        }
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }
}
