package org.enbd.itest.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file backend seen by real clients: a sparse file's holes show in nbdinfo --map, trim punches new ones. */
class FileBackendTest {
    private static final int MIB = 1 << 20;
    @TempDir
    static Path dir;
    static ServedExports served;
    static Path image;

    @BeforeAll
    static void start() throws Exception {
        image = dir.resolve("sparse.img");
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(16 * MIB);
            f.seek(4 * MIB);
            f.write(new byte[MIB]);  // zero bytes written are still allocated data
            f.seek(4 * MIB);
            f.write(new byte[] {1, 2, 3});
        }
        served = new ServedExports(dir, "sparse=file:" + image, "ro=file:" + image + ",ro");
    }

    @AfterAll
    static void stop() {
        served.close();
    }

    @Test
    void holesShowInNbdinfoMap() {
        List<String> lines = Peer.run("nbdinfo", "--map", served.uri("ro")).ok().stdout().trim().lines()
                .map(l -> l.trim().replaceAll("\\s+", " ")).toList();
        assertEquals(List.of("0 4194304 3 hole,zero", "4194304 1048576 0 data", "5242880 11534336 3 hole,zero"),
                lines);
    }

    @Test
    void writeTrimAndZeroThroughTheFileBackend() {
        String out = Peer.python("""
                h = connect('%s', meta=True)
                h.pwrite(b'\\x07' * (2 * 1048576), 8 * 1048576, nbd.CMD_FLAG_FUA)
                a = extents(h, 2 * 1048576, 8 * 1048576)
                h.trim(1048576, 8 * 1048576)
                b = extents(h, 2 * 1048576, 8 * 1048576)
                r = err(lambda: h.zero(1048576, 9 * 1048576, nbd.CMD_FLAG_FAST_ZERO))
                h.flush()
                print(a, b, r, h.pread(2 * 1048576, 8 * 1048576) == bytes(2 * 1048576))
                """.formatted(served.uri("sparse"))).ok().stdout().trim();
        assertEquals("[(2097152, 0)] [(1048576, 3), (1048576, 0)] ok True", out);
    }

    @Test
    void readOnlyFileExportRefusesWrites() {
        String out = Peer.python("""
                h = connect('%s', strict=False)
                print(h.is_read_only(), err(lambda: h.pwrite(b'z', 0)))
                """.formatted(served.uri("ro"))).ok().stdout().trim();
        assertTrue(out.equals("True EPERM"), out);
    }
}
