package org.enbd.itest.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Whole images copied in and out by qemu-img and nbdcopy, which pipeline many requests at once. */
class CopyToolsTest {
    private static final int SIZE = 24 << 20;
    @TempDir
    static Path dir;
    static ServedExports served;
    static Path source;

    @BeforeAll
    static void start() throws Exception {
        served = new ServedExports(dir, "qemu=memory:24M", "copy=memory:24M", "unix=memory:24M");
        byte[] data = new byte[SIZE];
        new Random(42).nextBytes(data);
        java.util.Arrays.fill(data, 4 << 20, 9 << 20, (byte) 0); // a zero run, which copy tools may skip
        source = dir.resolve("source.img");
        Files.write(source, data);
    }

    @AfterAll
    static void stop() {
        served.close();
    }

    @Test
    void qemuImgConvertInCompareAndConvertOut() throws Exception {
        Peer.run("qemu-img", "convert", "-n", "-f", "raw", "-O", "raw", source.toString(), served.uri("qemu")).ok();
        String compared = Peer.run("qemu-img", "compare", "-f", "raw", "-F", "raw", source.toString(),
                served.uri("qemu")).ok().stdout();
        assertEquals("Images are identical.", compared.trim());
        Path back = dir.resolve("qemu-back.img");
        Peer.run("qemu-img", "convert", "-f", "raw", "-O", "raw", served.uri("qemu"), back.toString()).ok();
        assertArrayEquals(Files.readAllBytes(source), Files.readAllBytes(back));
    }

    @Test
    void nbdcopyBothWays() throws Exception {
        Peer.run("nbdcopy", source.toString(), served.uri("copy")).ok();
        Path back = dir.resolve("nbdcopy-back.img");
        Peer.run("nbdcopy", served.uri("copy"), back.toString()).ok();
        assertArrayEquals(Files.readAllBytes(source), Files.readAllBytes(back));
    }

    @Test
    void nbdcopyOverUnixSocketWithManyConnections() throws Exception {
        Peer.run("nbdcopy", "--connections=4", "--requests=32", source.toString(), served.unixUri("unix")).ok();
        Path back = dir.resolve("unix-back.img");
        Peer.run("nbdcopy", "--connections=4", served.unixUri("unix"), back.toString()).ok();
        assertArrayEquals(Files.readAllBytes(source), Files.readAllBytes(back));
    }
}
