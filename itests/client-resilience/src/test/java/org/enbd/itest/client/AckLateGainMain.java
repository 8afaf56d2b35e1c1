package org.enbd.itest.client;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

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
                    double mibs = AsyncGainMain.run(peers, engine, server, withAsync ? "ack-late" : "plain", window,
                            count, size);
                    (withAsync ? async : plain).add(mibs);
                    System.out.printf(Locale.ROOT, "round %d %-9s %8.1f MiB/s%n", round + 1,
                            withAsync ? "ack-late" : "plain", mibs);
                }
            }
        }
        double p = AsyncGainMain.median(plain);
        double a = AsyncGainMain.median(async);
        System.out.printf(Locale.ROOT, "median: plain %.1f MiB/s, ack-late %.1f MiB/s, ratio %.1fx (delay %s, %d x %d"
                + " bytes, queue depth 1, window %s)%n", p, a, a / p, delay, count, size, window);
    }

}
