package org.enbd.itest.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.enbd.api.layer.ExportContext;
import org.enbd.api.layer.Feature;
import org.enbd.api.layer.Layer;
import org.enbd.api.layer.SessionContext;
import org.enbd.backend.memory.internal.MemoryBackendFactory;
import org.enbd.feature.fault.internal.FaultFeature;
import org.enbd.feature.stats.StatsControl;
import org.enbd.feature.stats.internal.StatsFeature;
import org.enbd.runtime.internal.MemoryStatusBoard;
import org.enbd.server.ExportEventHub;
import org.enbd.server.LayeredExport;
import org.enbd.server.ServerLimits;
import org.enbd.server.StackEntry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exports stacked {@code stats} over {@code fault} over a memory backend, driven by real clients: what the clients
 * did is what the stats feature counted, byte for byte, and the errors the fault feature injects reach them as the
 * errno it was told to inject.
 */
class FeatureStackTest {
    private static final int MIB = 1 << 20;
    private static final int COPIED_MIB = 12;
    @TempDir
    static Path dir;
    static StatsFeature stats;
    static FaultFeature fault;
    static final Map<String, LayeredExport> exports = new LinkedHashMap<>();
    static ServedExports served;
    static Path failFile;

    @BeforeAll
    static void start() throws Exception {
        stats = new StatsFeature(new MemoryStatusBoard(), 3600, true, Clock.systemUTC());
        fault = new FaultFeature(Map.of(), 1);
        failFile = dir.resolve("fail-writes");
        export("copy", Map.of("fault.delay-read", "1ms")); // delayed reads are counted too, and block no loop
        export("info", Map.of());
        export("full", Map.of("fault.error-write", "ENOSPC"));
        export("flaky", Map.of("fault.error-write", "EIO", "fault.error-write-file", failFile.toString()));
        served = new ServedExports(dir, ServerLimits.DEFAULT, List.copyOf(exports.values()));
    }

    private static void export(String name, Map<String, String> parameters) throws Exception {
        ExportContext context = new ExportContext(name, false, parameters);
        ExportEventHub events = new ExportEventHub("export '" + name + "'");
        Layer backend = new MemoryBackendFactory().open("16M", context, events);
        exports.put(name, new LayeredExport(context, "stats over fault", backend, List.of(
                StackEntry.of(stats, Map.of(Feature.NAME, "stats", Feature.CONTROL_TYPES, StatsControl.QUERY)),
                StackEntry.of("fault", fault)), events));
    }

    @AfterAll
    static void stop() throws Exception {
        if (served != null) {
            served.close();
        }
        fault.deactivate();
        stats.deactivate();
    }

    /** The export's counters as STATS_QUERY answers them, asked down a stack of the export as a connection's. */
    private static Counted counted(String export) throws Exception {
        LayeredExport layered = exports.get(export);
        Layer layer = layered.open(SessionContext.plain(layered.context(), "test"));
        try {
            ByteBuf reply = layer.control(StatsControl.QUERY, Unpooled.EMPTY_BUFFER, ByteBufAllocator.DEFAULT)
                    .toCompletableFuture().get(30, TimeUnit.SECONDS);
            try {
                return new Counted(reply.toString(StandardCharsets.UTF_8));
            } finally {
                reply.release();
            }
        } finally {
            layer.close();
        }
    }

    /** A STATS_QUERY document, read for the export's own figures (they come before each connection's). */
    private record Counted(String json) {
        private static final Pattern FIGURES = Pattern.compile("\"(\\w+)\":\\{\"requests\":(\\d+),\"bytes\":(\\d+),"
                + "\"errors\":\\{\"wire\":(\\d+),\"medium\":(\\d+)}");

        /** requests, bytes, wire errors, medium errors of one command. */
        List<Long> of(String command) {
            String exportPart = json.substring(0, json.indexOf("\"perConnection\""));
            Matcher m = FIGURES.matcher(exportPart);
            while (m.find()) {
                if (m.group(1).equals(command)) {
                    return List.of(Long.parseLong(m.group(2)), Long.parseLong(m.group(3)),
                            Long.parseLong(m.group(4)), Long.parseLong(m.group(5)));
                }
            }
            throw new AssertionError("no figures for " + command + " in " + json);
        }

        long total(String field) {
            Matcher m = Pattern.compile("\"" + field + "\":(\\d+)").matcher(json);
            assertTrue(m.find(), json);
            return Long.parseLong(m.group(1));
        }
    }

    @Test
    void nbdcopyInAndOutIsCountedByteForByte() throws Exception {
        byte[] data = new byte[COPIED_MIB * MIB];
        new Random(7).nextBytes(data); // no zero runs: every byte is written as data
        Path source = Files.write(dir.resolve("source.img"), data);
        Path back = dir.resolve("back.img");

        Peer.run("nbdcopy", source.toString(), served.uri("copy")).ok();
        Counted afterWrite = counted("copy");
        Peer.run("nbdcopy", "--connections=2", served.uri("copy"), back.toString()).ok();
        Counted afterRead = counted("copy");

        assertEquals((long) COPIED_MIB * MIB, afterWrite.of("write").get(1), afterWrite.json());
        assertEquals(0L, afterWrite.of("write").get(2) + afterWrite.of("write").get(3), "no write failed");
        assertEquals(0L, afterWrite.of("read").get(1), "nothing read yet");
        assertEquals((long) COPIED_MIB * MIB, afterRead.of("read").get(1),
                "what was written is read back (holes are not read), each read delayed");
        assertEquals((long) COPIED_MIB * MIB, afterRead.of("write").get(1), "reading wrote nothing");
        assertArrayEquals(data, java.util.Arrays.copyOf(Files.readAllBytes(back), data.length));
        assertTrue(afterRead.total("total") >= 3, "two nbdcopy runs, one of them with two connections: "
                + afterRead.json());
    }

    @Test
    void nbdinfoSeesTheStackedExportAndItsMapIsCountedAsExtents() throws Exception {
        long before = counted("info").of("extents").get(0);

        String out = Peer.run("nbdinfo", "--map", served.uri("info")).ok().stdout();

        assertTrue(out.contains("hole,zero"), out);
        assertNotEquals(before, counted("info").of("extents").get(0), "the map asked for block status");
        String size = Peer.run("nbdinfo", "--size", served.uri("info")).ok().stdout().trim();
        assertEquals(String.valueOf(16 * MIB), size);
    }

    @Test
    void qemuIoSeesNoSpaceLeftOnDeviceForEveryWriteAndReadsStillWork() throws Exception {
        Peer.Result write = Peer.run(List.of("qemu-io", "-f", "raw", "-c", "write -P 0x5a 0 64k", served.uri("full")),
                null, Peer.TIMEOUT);
        Peer.Result read = Peer.run(List.of("qemu-io", "-f", "raw", "-c", "read -P 0 0 64k", served.uri("full")),
                null, Peer.TIMEOUT).ok();

        assertTrue((write.stdout() + write.stderr()).contains("No space left on device"),
                write.stdout() + write.stderr());
        assertTrue(read.stdout().contains("read 65536/65536 bytes"), read.stdout());
        List<Long> writes = counted("full").of("write");
        assertTrue(writes.get(0) >= 1 && writes.get(3).equals(writes.get(0)),
                "every write counted as a medium error: " + writes);
        assertEquals(0L, writes.get(1), "no bytes written");
    }

    @Test
    void nbdshSeesTheInjectedErrnoOnlyWhileTheErrorFileExists() throws Exception {
        String out = Peer.python("""
                import os
                h = connect("%s")
                print(err(lambda: h.pwrite(b"a" * 512, 0)))
                open("%s", "w").close()
                print(err(lambda: h.pwrite(b"b" * 512, 512)))
                os.remove("%s")
                print(err(lambda: h.pwrite(b"c" * 512, 1024)))
                print(h.pread(1536, 0) == b"a" * 512 + bytes(512) + b"c" * 512)
                """.formatted(served.uri("flaky"), failFile, failFile)).ok().stdout();

        assertEquals(List.of("ok", "EIO", "ok", "True"), out.lines().toList());
        assertEquals(List.of(3L, 1024L, 0L, 1L), counted("flaky").of("write"),
                "3 writes, 2 of 512 bytes landed, 1 medium error");
    }

    @Test
    void qemuImgInfoSeesTheExportThroughTheStack() throws Exception {
        List<String> commands = new ArrayList<>(List.of("qemu-img", "info", "--output=json", "-f", "raw"));
        commands.add(served.uri("info"));
        String out = Peer.run(commands, null, Peer.TIMEOUT).ok().stdout();
        assertTrue(out.contains("\"virtual-size\": " + 16 * MIB), out);
    }
}
