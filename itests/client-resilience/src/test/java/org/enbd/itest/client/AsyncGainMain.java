package org.enbd.itest.client;

import io.netty.buffer.ByteBuf;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.enbd.api.layer.ExportContext;
import org.enbd.api.layer.ExportEvents;
import org.enbd.api.layer.ForwardingLayer;
import org.enbd.api.layer.Layer;
import org.enbd.api.stream.Listener;
import org.enbd.api.stream.StreamAddress;
import org.enbd.backend.memory.internal.MemoryBackendFactory;
import org.enbd.client.DeviceStack;
import org.enbd.client.LocalEndpoint;
import org.enbd.client.RemoteDevice;
import org.enbd.feature.async.internal.AsyncFeature;
import org.enbd.server.ExportDirectory;
import org.enbd.server.LayeredExport;
import org.enbd.server.NbdServer;
import org.enbd.server.RestackableExport;
import org.enbd.server.ServerLimits;
import org.enbd.server.StackEntry;

/**
 * For measurements by hand (not a test): the async modes' gain for a writer that waits for each write (queue
 * depth 1), against ENBD-J's server whose storage answers every write DELAY late (a memory export behind a
 * delaying layer, in this JVM). {@code qemu-img bench -w -d 1} writes COUNT x SIZE bytes through the local endpoint
 * of a client device without the async feature, with async=ack-late and with async=no-ack, in turns, ROUNDS times;
 * prints MiB/s per run and the median ratios. {@code AsyncGainMain DELAY_MS COUNT SIZE ROUNDS WINDOW}
 */
public final class AsyncGainMain {
    private AsyncGainMain() {
    }

    public static void main(String[] args) throws Exception {
        long delayMs = Long.parseLong(args[0]);
        int count = Integer.parseInt(args[1]);
        int size = Integer.parseInt(args[2]);
        int rounds = Integer.parseInt(args[3]);
        String window = args[4];
        Map<String, List<Double>> results = new LinkedHashMap<>();
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        try (Peers peers = new Peers(); Engine engine = new Engine()) {
            Layer memory = new MemoryBackendFactory().open("1G", new ExportContext("disk", false, Map.of()),
                    ExportEvents.NONE);
            Layer slow = new ForwardingLayer(memory) {
                @Override
                public CompletionStage<Void> write(long offset, ByteBuf data, int flags) {
                    ByteBuf held = data.retainedSlice();
                    CompletableFuture<Void> done = new CompletableFuture<>();
                    timer.schedule(() -> next.write(offset, held, flags).whenComplete((ok, failure) -> {
                        held.release();
                        if (failure != null) {
                            done.completeExceptionally(failure);
                        } else {
                            done.complete(null);
                        }
                    }), delayMs, TimeUnit.MILLISECONDS);
                    return done;
                }
            };
            LayeredExport export = LayeredExport.of("disk", slow, false);
            NbdServer server = new NbdServer(ExportDirectory.of(List.of(export)), ServerLimits.DEFAULT);
            int port = Peers.freePort();
            Listener listener = server.listen(engine.tcp, StreamAddress.tcp("127.0.0.1", port, ""));
            String uri = "nbd://127.0.0.1:" + port + "/disk";
            for (int round = 0; round < rounds; round++) {
                for (String mode : new String[] {"plain", "ack-late", "no-ack"}) {
                    double mibs = run(peers, engine, uri, mode, window, count, size);
                    results.computeIfAbsent(mode, m -> new ArrayList<>()).add(mibs);
                    System.out.printf(Locale.ROOT, "round %d %-9s %8.1f MiB/s%n", round + 1, mode, mibs);
                }
            }
            listener.close();
            server.close();
            export.close();
        } finally {
            timer.shutdownNow();
        }
        double plain = median(results.get("plain"));
        double ackLate = median(results.get("ack-late"));
        double noAck = median(results.get("no-ack"));
        System.out.printf(Locale.ROOT, "median: plain %.1f MiB/s, ack-late %.1f MiB/s (%.1fx), no-ack %.1f MiB/s "
                + "(%.1fx) (write delay %d ms, %d x %d bytes, queue depth 1, window %s)%n", plain, ackLate,
                ackLate / plain, noAck, noAck / plain, delayMs, count, size, window);
    }

    /** One {@code qemu-img bench -w -d 1} through a client device's endpoint with the async mode (or plain). */
    static double run(Peers peers, Engine engine, String server, String mode, String window, int count, int size)
            throws Exception {
        Path socket = Files.createTempFile(peers.dir, "gain", ".sock");
        Files.delete(socket);
        List<StackEntry> features = mode.equals("plain") ? List.of()
                : List.of(StackEntry.of("async", new AsyncFeature(window)));
        try (RemoteDevice device = engine.open(Engine.options(server).withConnections(2));
             RestackableExport stack = DeviceStack.openRestackable(device, features, Map.of("async", mode));
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

    static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }
}
