package org.enbd.itest.client;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.enbd.api.layer.ExportContext;
import org.enbd.api.layer.ExportEvents;
import org.enbd.api.layer.Layer;
import org.enbd.api.stream.Listener;
import org.enbd.api.stream.StreamAddress;
import org.enbd.backend.memory.internal.MemoryBackendFactory;
import org.enbd.server.ExportDirectory;
import org.enbd.server.LayeredExport;
import org.enbd.server.NbdServer;
import org.enbd.server.ServerLimits;

/** The real servers the client is tested against, each started on a free port and serving export "disk". */
final class Servers {
    private Servers() {
    }

    /** A running server: its direct URI, how to stop it, and (ENBD-J's, in this JVM) the export it serves. */
    record Running(String uri, AutoCloseable stop, LayeredExport export) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            stop.close();
        }
    }

    static Process nbdkit(Peers peers, int port, String... pluginAndArgs) throws Exception {
        Peers.require("nbdkit");
        String[] head = {"nbdkit", "--exit-with-parent", "-f", "-i", "127.0.0.1", "-p", String.valueOf(port)};
        String[] cmd = new String[head.length + pluginAndArgs.length];
        System.arraycopy(head, 0, cmd, 0, head.length);
        System.arraycopy(pluginAndArgs, 0, cmd, head.length, pluginAndArgs.length);
        Process p = peers.start("nbdkit-" + port, cmd);
        Peers.awaitPort(port, Duration.ofSeconds(10));
        return p;
    }

    static Process qemuNbd(Peers peers, int port, Path file) throws Exception {
        Peers.require("qemu-nbd");
        Process p = peers.start("qemu-nbd-" + port, "qemu-nbd", "-f", "raw", "-x", "disk", "-b", "127.0.0.1", "-p",
                String.valueOf(port), "-t", "-e", "16", "--cache=writeback", file.toString());
        Peers.awaitPort(port, Duration.ofSeconds(10));
        return p;
    }

    static Process nbdServer(Peers peers, int port, Path file) throws Exception {
        Peers.require("nbd-server");
        Path conf = peers.dir.resolve("nbd-server-" + port + ".conf");
        Files.writeString(conf, "[generic]\n    listenaddr = 127.0.0.1\n    port = " + port + "\n[disk]\n"
                + "    exportname = " + file + "\n    flush = true\n    fua = true\n    trim = true\n");
        // with -d nbd-server serves one connection in its own process and exits when it drops, so let it
        // daemonize (a child per connection) and track it by its pid file
        Path pidFile = peers.dir.resolve("nbd-server-" + port + ".pid");
        Process p = peers.start("nbd-server-" + port, "nbd-server", "-C", conf.toString(), "-p", pidFile.toString());
        Peers.awaitFile(pidFile, Duration.ofSeconds(10));
        Thread.sleep(50);
        long pid = Long.parseLong(Files.readString(pidFile).trim());
        peers.adopt(pid);
        Peers.awaitPort(port, Duration.ofSeconds(10));
        return p;
    }

    /** ENBD-J's own server in this JVM, with a memory export "disk". */
    static Running enbd(Engine engine, int port, long size) throws Exception {
        Layer memory = new MemoryBackendFactory().open(Long.toString(size), new ExportContext("disk", false, Map.of()),
                ExportEvents.NONE);
        LayeredExport export = LayeredExport.of("disk", memory, false);
        NbdServer server = new NbdServer(ExportDirectory.of(List.of(export)), ServerLimits.DEFAULT);
        Listener listener = server.listen(engine.tcp, StreamAddress.tcp("127.0.0.1", port, ""));
        return new Running("nbd://127.0.0.1:" + port + "/disk", () -> {
            listener.close();
            server.close();
            export.close();
        }, export);
    }

    /** ENBD-J's server in a JVM of its own ({@link EnbdServerMain}), serving {@code file} as "disk". */
    static Process enbdProcess(Peers peers, int port, Path file, String... options) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = peers.start("enbd-server-" + port, java, "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow", "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                EnbdServerMain.class.getName(), Integer.toString(port), file.toString(),
                options.length > 0 ? options[0] : "durable");
        Peers.awaitPort(port, Duration.ofSeconds(30));
        return p;
    }

    /** A file of {@code size} bytes: random data in most 1 MiB blocks, zeros (a hole) in every fourth. */
    static Path source(Path dir, String name, long size, long seed) throws IOException {
        Path p = dir.resolve(name);
        Random random = new Random(seed);
        byte[] block = new byte[1 << 20];
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(size);
            for (long at = 0, i = 0; at < size; at += block.length, i++) {
                if (i % 4 == 3) {
                    continue;
                }
                random.nextBytes(block);
                f.seek(at);
                f.write(block, 0, (int) Math.min(block.length, size - at));
            }
        }
        return p;
    }

    /** An all-zero sparse file. */
    static Path blank(Path dir, String name, long size) throws IOException {
        Path p = dir.resolve(name);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(size);
        }
        return p;
    }
}
