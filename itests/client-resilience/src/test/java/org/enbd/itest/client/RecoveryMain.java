package org.enbd.itest.client;

import io.netty.buffer.ByteBufAllocator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.enbd.client.ClientOptions;
import org.enbd.client.RemoteDevice;

/**
 * For measurements by hand (not a test): recovery time after a server restart, from the moment the restarted
 * server accepts connections to the first completed request (a read queued while it was down).
 * {@code java -cp ... org.enbd.itest.client.RecoveryMain ROUNDS DOWN_MS [default|fast] [nbdkit|enbd]}
 */
public final class RecoveryMain {
    private RecoveryMain() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = Integer.parseInt(args[0]);
        long downMs = Long.parseLong(args[1]);
        boolean fast = args.length > 2 && args[2].equals("fast");
        boolean enbd = args.length > 3 && args[3].equals("enbd");
        try (Peers peers = new Peers(); Engine engine = new Engine()) {
            int port = Peers.freePort();
            java.nio.file.Path file = Servers.blank(peers.dir, "disk.img", 64 << 20);
            Process server = enbd ? Servers.enbdProcess(peers, port, file) : Servers.nbdkit(peers, port, "memory", "64M");
            String uri = "nbd://127.0.0.1:" + port + "/disk";
            ClientOptions options = fast ? Engine.options(uri) : ClientOptions.of(uri);
            List<Long> micros = new ArrayList<>();
            try (RemoteDevice device = engine.open(options)) {
                for (int i = 0; i < rounds; i++) {
                    Peers.kill9(server);
                    CompletableFuture<?> read = device.read(0, 4096, 0, ByteBufAllocator.DEFAULT).toCompletableFuture();
                    Thread.sleep(downMs);
                    server = enbd ? Servers.enbdProcess(peers, port, file) : Servers.nbdkit(peers, port, "memory", "64M");
                    long back = System.nanoTime();
                    read.thenAccept(b -> ((io.netty.buffer.ByteBuf) b).release()).get();
                    micros.add((System.nanoTime() - back) / 1000);
                    Thread.sleep(200);
                }
            }
            List<Long> sorted = new ArrayList<>(micros);
            Collections.sort(sorted);
            System.out.printf("server=%s options=%s down=%d ms recovery ms: %s median %.1f%n", enbd ? "enbd" : "nbdkit", fast ? "fast(20..300ms)"
                    : "default(50ms..5s)", downMs, micros.stream().map(m -> String.format("%.1f", m / 1000.0)).toList(),
                    sorted.get(sorted.size() / 2) / 1000.0);
        }
        System.exit(0);
    }
}
