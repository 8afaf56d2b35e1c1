package org.enbd.itest.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.enbd.api.layer.SyncLayer;
import org.enbd.client.RemoteDevice;

/**
 * For measurements by hand (not a test): the engine alone, THREADS callers doing REQUEST-byte writes then reads
 * for SECONDS each over CONNECTIONS connections. {@code ThroughputMain URI CONNECTIONS THREADS REQUEST SECONDS}
 */
public final class ThroughputMain {
    private ThroughputMain() {
    }

    public static void main(String[] args) throws Exception {
        int connections = Integer.parseInt(args[1]);
        int threads = Integer.parseInt(args[2]);
        int request = Integer.parseInt(args[3]);
        long seconds = Long.parseLong(args[4]);
        try (Engine engine = new Engine();
             RemoteDevice dev = engine.open(Engine.options(args[0]).withConnections(connections))) {
            long span = Math.min(dev.size(), 256L << 20) / request;
            for (boolean write : new boolean[] {true, false}) {
                AtomicLong bytes = new AtomicLong();
                long end = System.nanoTime() + seconds * 1_000_000_000L;
                List<Thread> ts = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int id = t;
                    ts.add(Thread.ofVirtual().start(() -> {
                        ByteBuf data = Unpooled.directBuffer(request).writeZero(request);
                        long i = id;
                        try {
                            while (System.nanoTime() < end) {
                                long at = (i++ * 7919 % span) * request;
                                if (write) {
                                    SyncLayer.await(dev.write(at, data, 0));
                                } else {
                                    SyncLayer.await(dev.read(at, request, 0, ByteBufAllocator.DEFAULT)).release();
                                }
                                bytes.addAndGet(request);
                            }
                        } catch (Exception e) {
                            e.printStackTrace();
                        } finally {
                            data.release();
                        }
                    }));
                }
                for (Thread t : ts) {
                    t.join();
                }
                System.out.printf("connections=%d threads=%d request=%d %s %.1f MiB/s%n", dev.connections(), threads,
                        request, write ? "write" : "read", bytes.get() / (1024.0 * 1024) / seconds);
            }
        }
        System.exit(0);
    }
}
