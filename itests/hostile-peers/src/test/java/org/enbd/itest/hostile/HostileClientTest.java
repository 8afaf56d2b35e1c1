package org.enbd.itest.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.enbd.server.ServerLimits;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile clients against ENBD-J's server, started as its own JVM with ./enbd's options: floods in the handshake
 * and in transmission, replies never read, lengths no export has, garbage. Each case then checks the server is
 * alive, serves a well-behaved client with its data intact, and held no more memory than its stated bounds
 * (direct memory as the server counts it; RSS printed beside it).
 */
class HostileClientTest {
    private static final long MIB = 1 << 20;
    private static final long CONNECTION = ServerLimits.DEFAULT.connectionBudget();
    /** Room for what the budgets do not count: one socket read per connection, the handshake's replies. */
    private static final long SLACK = 16 * MIB;
    /** And in the RSS, the JVM's own growth under load (its heap may grow from -Xms16m towards -Xmx192m). */
    private static final long RSS_SLACK = 64 * MIB;
    /**
     * How long a good client may take (two connections, a WRITE and a READ of 256 KiB each) right after a hostile
     * one left: a few hundred milliseconds here, however loaded; far less than the seconds the server spent when it
     * still served the requests of a client gone.
     */
    private static final long GOOD_CLIENT_MILLIS = 10_000;

    @TempDir
    static Path dir;
    private static Path file;

    @BeforeAll
    static void disk() throws IOException {
        file = dir.resolve("disk.img");
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(16L << 30); // sparse: 256 x 32 MiB of READs fit
        }
    }

    @AfterAll
    static void clean() throws IOException {
        Files.deleteIfExists(file);
    }

    private static ServerProcess start(int maxOptions, long connectionBudget, long serverBudget) throws IOException {
        return new ServerProcess(file, maxOptions, connectionBudget, serverBudget);
    }

    private static ServerProcess start() throws IOException {
        ServerLimits d = ServerLimits.DEFAULT;
        return start(d.maxOptions(), d.connectionBudget(), d.serverBudget());
    }

    /** Alive, serving a good client on both exports, the data it writes intact. */
    private static void servesAGoodClient(ServerProcess server) throws IOException {
        assertTrue(server.alive(), "the server is alive");
        byte[] data = new byte[256 * 1024];
        new java.util.Random(19).nextBytes(data);
        try {
            Wire.checkServes(server.port, "", 4 * MIB + 3, data);
            Wire.checkServes(server.port, "disk", 9 * MIB + 5, data);
        } catch (IOException e) {
            System.out.println("held in the budget: " + server.held() + " bytes");
            System.out.println(server.threadDump());
            throw e;
        }
    }

    /** Sends {@code bytes} on a thread until {@code seconds} pass or the server hangs up; returns bytes taken. */
    private static long flood(Wire w, byte[] bytes, long seconds) throws InterruptedException {
        AtomicLong sent = new AtomicLong();
        Thread writer = Thread.ofPlatform().start(() -> {
            try {
                while (true) {
                    w.out.write(bytes);
                    sent.addAndGet(bytes.length);
                }
            } catch (IOException stopped) {
                // the server hung up, or the test closed the socket
            }
        });
        writer.join(TimeUnit.SECONDS.toMillis(seconds));
        return sent.get();
    }

    /** What the server holds: direct memory as it counts it (pool chunks included) and its RSS. */
    private record Held(long direct, long rss) {
        Held minus(Held base) {
            return new Held(direct - base.direct, rss - base.rss);
        }

        @Override
        public String toString() {
            return String.format("direct %+d MiB, RSS %+d MiB", direct / MIB, rss / MIB);
        }
    }

    private static Held now(ServerProcess server) throws IOException {
        return new Held(server.direct(), server.rss());
    }

    /** The most the server holds while {@code seconds} pass (polled every 100 ms), above {@code base}. */
    private static Held peak(ServerProcess server, Held base, long seconds) throws Exception {
        long direct = 0;
        long rss = 0;
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < end) {
            direct = Math.max(direct, server.direct());
            rss = Math.max(rss, server.rss());
            Thread.sleep(100);
        }
        return new Held(direct, rss).minus(base);
    }

    /**
     * Within {@code budget}: the direct memory by the budget plus {@link #SLACK}, the RSS (what the machine gives)
     * by the budget plus {@link #RSS_SLACK}.
     */
    private static void assertWithin(Held held, long budget, String what) {
        assertTrue(held.rss <= budget + RSS_SLACK, what + ": " + held + ", budget " + budget / MIB + " MiB");
        assertTrue(held.direct <= budget + SLACK, what + ": " + held + ", budget " + budget / MIB + " MiB");
    }

    private static byte[] repeated(byte[] one, int times) {
        byte[] all = new byte[one.length * times];
        for (int i = 0; i < times; i++) {
            System.arraycopy(one, 0, all, i * one.length, one.length);
        }
        return all;
    }

    /** Issue 19, failure 1: before, 8 MiB of NBD_OPT_LIST never read exhausted the heap and wedged the server. */
    @Test
    void anOptionFloodIsClosedAtTheLimit() throws Exception {
        try (ServerProcess server = start()) {
            long rss = server.rss();
            try (Wire w = Wire.deaf(server.port)) {
                long sent = flood(w, repeated(Wire.option(Wire.OPT_LIST, new byte[0]), 4096), 10);
                assertTrue(w.closedByServer(), "the server hung up");
                System.out.printf("option flood: hung up after %d bytes were taken (%d options); RSS %+d MiB%n",
                        sent, sent / 16, (server.rss() - rss) / MIB);
            }
            servesAGoodClient(server);
        }
    }

    /** Without the option limit: no option is read while the replies are not, so memory stays flat. */
    @Test
    void anOptionFloodWithoutReadingStopsBeingRead() throws Exception {
        try (ServerProcess server = start(Integer.MAX_VALUE, CONNECTION, ServerLimits.DEFAULT.serverBudget())) {
            Held base = now(server);
            try (Wire w = Wire.deaf(server.port)) {
                long sent = flood(w, repeated(Wire.option(Wire.OPT_LIST, new byte[0]), 4096), 4);
                servesAGoodClient(server); // others are served meanwhile
                Held held = now(server).minus(base);
                System.out.printf("unread option flood: %d KiB taken in 4 s, then no more; %s%n", sent >> 10, held);
                assertTrue(sent < 64 * MIB, "the server kept reading options: " + sent + " bytes");
                assertWithin(held, 0, "an unread option flood");
            }
            servesAGoodClient(server);
        }
    }

    /** Issue 19, failure 2: before, 5000 x 1 MiB READs never read grew the server by 1.2 GiB, kept after. */
    @Test
    void pipelinedReadsNeverReadStopAtTheConnectionBudget() throws Exception {
        try (ServerProcess server = start()) {
            for (int size : new int[] {1 << 20, 32 << 20}) {
                int count = size == 1 << 20 ? 5000 : 256;
                Held base = now(server);
                try (Wire w = Wire.deaf(server.port).go("disk")) {
                    // all in one write, so the server has every request in hand (as a fast client's would be) while
                    // it holds them: before, when the client left, the connection served all it still held (4.9 GiB
                    // read into a closed channel on its event loop) and a good client on that loop waited
                    byte[] requests = new byte[count * 28];
                    for (int i = 0; i < count; i++) {
                        byte[] r = Wire.request(Wire.CMD_READ, i + 1, (long) i * size % (15L << 30), size);
                        System.arraycopy(r, 0, requests, i * r.length, r.length);
                    }
                    Thread.ofPlatform().start(() -> {
                        try {
                            w.out.write(requests);
                            w.out.flush();
                        } catch (IOException stopped) {
                            // the test closed the socket while the server was not reading
                        }
                    });
                    Held peak = peak(server, base, 4);
                    System.out.printf("%d x %d MiB READs never read: peak %s (budget %d MiB)%n", count, size >> 20,
                            peak, CONNECTION / MIB);
                    assertWithin(peak, CONNECTION, "one client's unread READs");
                }
                long left = System.nanoTime();
                servesAGoodClient(server);
                long served = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - left);
                System.out.printf("  a good client served %d ms after the client left%n", served);
                assertTrue(served < GOOD_CLIENT_MILLIS, "a good client waited " + served + " ms after a client that"
                        + " never read left: the server still served the requests that client had sent");
                Held after = peak(server, base, 1);
                System.out.printf("  after the client left: %s%n", after);
                assertWithin(after, CONNECTION, "after the client left");
            }
        }
    }

    /** Many such clients at once: together they stop at the listener's budget. */
    @Test
    void manyClientsThatNeverReadShareTheServerBudget() throws Exception {
        long all = 128 * MIB;
        try (ServerProcess server = start(256, CONNECTION, all)) {
            Held base = now(server);
            List<Wire> clients = new ArrayList<>();
            try {
                for (int c = 0; c < 6; c++) {
                    Wire w = Wire.deaf(server.port).go("disk");
                    clients.add(w);
                    for (int i = 0; i < 64; i++) {
                        w.out.write(Wire.request(Wire.CMD_READ, i + 1, (c * 64L + i) * MIB, (int) MIB));
                    }
                    w.out.flush();
                }
                Held peak = peak(server, base, 4);
                System.out.printf("6 clients x 64 MiB of READs never read: peak %s (budget %d MiB in all)%n", peak,
                        all / MIB);
                assertWithin(peak, all, "six clients' unread READs");
            } finally {
                for (Wire w : clients) {
                    w.close();
                }
            }
            servesAGoodClient(server);
        }
    }

    @Test
    void lengthsNoExportHasAreAnsweredAndGarbageClosesOnlyItsConnection() throws Exception {
        try (ServerProcess server = start()) {
            try (Wire w = new Wire(server.port).go("")) {
                w.out.write(Wire.request(Wire.CMD_READ, 1, 0, 0xfffffff0L));      // past maxPayload
                w.out.write(Wire.request(Wire.CMD_READ, 2, Long.MAX_VALUE, 4096));  // past the end, overflowing
                w.out.write(Wire.request(Wire.CMD_WRITE, 3, 0, 0xffffffffL));     // 4 GiB that never comes
                w.out.flush();
                w.expectSimple(1, 22);
                w.expectSimple(2, 22);
                w.out.write(new byte[4096]); // part of that payload: skipped without being kept
                w.out.flush();
            }
            try (Wire w = new Wire(server.port).go("")) {
                w.out.write(new byte[64]); // no request magic: the connection closes
                w.out.flush();
                assertTrue(w.closedByServer());
            }
            try (Wire w = new Wire(server.port)) {
                w.out.write(Wire.option(Wire.OPT_LIST, new byte[0]));
                w.out.writeLong(0x1234); // no IHAVEOPT: the handshake fails
                w.out.writeLong(0);
                w.out.flush();
                assertTrue(w.closedByServer());
            }
            servesAGoodClient(server);
            assertEquals(true, server.alive());
        }
    }
}
