package org.enbd.itest.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Many clients at once, each writing its own pattern to its own region, never see each other's data. */
class ParallelClientsTest {
    private static final int CLIENTS = 8;
    @TempDir
    static Path dir;
    static ServedExports served;

    @BeforeAll
    static void start() throws Exception {
        served = new ServedExports(dir, "mem=memory:64M", "file=file:" + sparseFile());
    }

    static Path sparseFile() throws Exception {
        Path file = dir.resolve("parallel.img");
        try (var f = new java.io.RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(64 << 20);
        }
        return file;
    }

    @AfterAll
    static void stop() {
        served.close();
    }

    @Test
    void eightWritersOnTheMemoryBackend() {
        writersKeepTheirDataApart("mem");
    }

    @Test
    void eightWritersOnTheFileBackend() {
        writersKeepTheirDataApart("file");
    }

    private void writersKeepTheirDataApart(String export) {
        List<CompletableFuture<String>> clients = new ArrayList<>();
        var threads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();
        for (int id = 1; id <= CLIENTS; id++) {
            String uri = id % 2 == 0 ? served.uri(export) : served.unixUri(export);
            String script = """
                    h = connect('%s')
                    me = %d
                    base = me * 4 * 1048576
                    chunk = bytes([me]) * 65536
                    pending = set(h.aio_pwrite(chunk, base + i * 65536) for i in range(64))
                    while pending:
                        pending = set(c for c in pending if not h.aio_command_completed(c))
                        if pending:
                            h.poll(-1)
                    ok = all(h.pread(65536, base + i * 65536) == chunk for i in range(64))
                    print(ok)
                    """.formatted(uri, id);
            clients.add(CompletableFuture.supplyAsync(() -> Peer.python(script).ok().stdout().trim(), threads));
        }
        clients.forEach(c -> assertEquals("True", c.join()));
        threads.close();
        String check = Peer.python("""
                h = connect('%s')
                print(all(h.pread(4 * 1048576, me * 4 * 1048576) == bytes([me]) * (4 * 1048576) for me in range(1, 9)))
                """.formatted(served.uri(export))).ok().stdout().trim();
        assertEquals("True", check);
    }
}
