package org.enbd.itest.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** nbdinfo (libnbd) reads what the server advertises: size, flags, the export list, block status. */
class NbdinfoTest {
    @TempDir
    static Path dir;
    static ServedExports served;

    @BeforeAll
    static void start() throws Exception {
        served = new ServedExports(dir, "disk=memory:64M", "ro=memory:1M,ro");
    }

    @AfterAll
    static void stop() {
        served.close();
    }

    @Test
    void sizeAndFlagsOverTcp() {
        String out = Peer.run("nbdinfo", served.uri("disk")).ok().stdout();
        assertTrue(out.contains("export-size: 67108864"), out);
        assertTrue(out.contains("can_trim: true") && out.contains("can_zero: true")
                && out.contains("can_multi_conn: true") && out.contains("can_fua: true"), out);
        assertTrue(out.contains("is_read_only: false"), out);
    }

    @Test
    void sizeOverUnixSocket() {
        assertEquals("67108864", Peer.run("nbdinfo", "--size", served.unixUri("disk")).ok().stdout().trim());
    }

    @Test
    void readOnlyExportSaysSo() {
        String out = Peer.run("nbdinfo", served.uri("ro")).ok().stdout();
        assertTrue(out.contains("is_read_only: true") && out.contains("can_trim: false"), out);
    }

    @Test
    void listShowsEveryExport() {
        String out = Peer.run("nbdinfo", "--list", served.uri("")).ok().stdout();
        assertTrue(out.contains("export=\"disk\"") || out.contains("export=disk"), out);
        assertTrue(out.contains("test export ro"), out);
    }

    @Test
    void mapOfAnEmptyMemoryExportIsOneHole() {
        String out = Peer.run("nbdinfo", "--map", served.uri("disk")).ok().stdout().trim();
        assertEquals(1, out.lines().count(), out);
        assertTrue(out.matches("\\s*0\\s+67108864\\s+3\\s+hole,zero"), out);
    }

    @Test
    void unknownExportFails() {
        Peer.Result r = Peer.run("nbdinfo", served.uri("nope"));
        assertTrue(r.exit() != 0, r.stdout());
    }
}
