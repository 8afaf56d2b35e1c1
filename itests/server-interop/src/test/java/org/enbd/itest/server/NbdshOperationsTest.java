package org.enbd.itest.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each command driven by libnbd's python bindings (what nbdsh runs), against the memory backend. With strict
 * mode off, libnbd sends what it is told, so the server is the one judging bad requests.
 */
class NbdshOperationsTest {
    private static final int MIB = 1 << 20;
    @TempDir
    static Path dir;
    static ServedExports served;

    @BeforeAll
    static void start() throws Exception {
        served = new ServedExports(dir, "disk=memory:64M", "ro=memory:4M,ro", "small=memory:1M",
                "big=memory:80M");
    }

    @AfterAll
    static void stop() {
        served.close();
    }

    private static String py(String script) {
        return Peer.python(script).ok().stdout().trim();
    }

    @Test
    void writeWithFuaReadBackAndFlush() {
        assertEquals("True ok", py("""
                h = connect('%s')
                data = bytes((i * 7) & 255 for i in range(300000))
                h.pwrite(data, 12345, nbd.CMD_FLAG_FUA)
                same = h.pread(len(data), 12345) == data
                print(same, err(lambda: h.flush()))
                h.shutdown()
                """.formatted(served.uri("disk"))));
    }

    /**
     * 64 MiB requests are served by default, as nbdkit and nbd-server serve them (the spec's 32 MiB is what a client
     * may assume without asking, not a limit). libnbd itself sends no more (ERANGE); the server's refusal of
     * longer requests is TransmissionPhaseTest's.
     */
    @Test
    void sixtyFourMebibyteRequestsAreServedAndLargerOnesRefused() {
        assertEquals("True True ERANGE True", py("""
                h = connect('%s', strict=False)
                data = bytes((i * 13) & 255 for i in range(4096)) * (64 * 256)
                h.pwrite(data, 4096)
                print(h.pread(len(data), 4096) == data, len(data) == 64 * 1048576,
                      err(lambda: h.pread(64 * 1048576 + 512, 0)), h.pread(4096, 4096) == data[:4096])
                h.shutdown()
                """.formatted(served.uri("big"))));
    }

    @Test
    void writesAreSeenOverTheUnixSocketToo() {
        assertEquals("True", py("""
                a = connect('%s')
                b = connect('%s')
                a.pwrite(b'enbd' * 1024, 8 * 1048576)
                print(b.pread(4096, 8 * 1048576) == b'enbd' * 1024)
                """.formatted(served.uri("disk"), served.unixUri("disk"))));
    }

    @Test
    void trimMakesHolesThatBlockStatusReports() {
        String out = py("""
                h = connect('%s', meta=True)
                h.pwrite(b'\\x01' * (3 * 1048576), 16 * 1048576)
                before = extents(h, 3 * 1048576, 16 * 1048576)
                h.trim(1048576, 17 * 1048576)
                after = extents(h, 3 * 1048576, 16 * 1048576)
                print(before)
                print(after)
                print(h.pread(1048576, 17 * 1048576) == bytes(1048576))
                """.formatted(served.uri("disk")));
        assertEquals("[(3145728, 0)]\n[(1048576, 0), (1048576, 3), (1048576, 0)]\nTrue", out);
    }

    @Test
    void blockStatusWithReqOneGivesOneExtent() {
        String out = py("""
                h = connect('%s', meta=True)
                h.pwrite(b'\\x02' * 4096, 24 * 1048576)
                print(extents(h, 4 * 1048576, 23 * 1048576, nbd.CMD_FLAG_REQ_ONE))
                """.formatted(served.uri("disk")));
        assertEquals("[(1048576, 3)]", out);
    }

    @Test
    void zeroWithNoHoleAndFastZero() {
        String out = py("""
                h = connect('%s', meta=True)
                h.pwrite(b'\\x05' * (3 * 1048576), 32 * 1048576)
                r1 = err(lambda: h.zero(1048576, 32 * 1048576, nbd.CMD_FLAG_NO_HOLE))
                r2 = err(lambda: h.zero(1048576, 33 * 1048576, nbd.CMD_FLAG_FAST_ZERO))
                r3 = err(lambda: h.zero(1048576, 34 * 1048576, nbd.CMD_FLAG_FUA))
                print(r1, r2, r3)
                print(extents(h, 3 * 1048576, 32 * 1048576))
                print(h.pread(3 * 1048576, 32 * 1048576) == bytes(3 * 1048576))
                """.formatted(served.uri("disk")));
        assertEquals("ok ok ok\n[(1048576, 0), (2097152, 3)]\nTrue", out);
    }

    @Test
    void cacheIsAccepted() {
        assertEquals("True ok", py("""
                h = connect('%s')
                print(h.can_cache(), err(lambda: h.cache(1048576, 0)))
                """.formatted(served.uri("disk"))));
    }

    @Test
    void readOnlyExportRefusesWritesWithEperm() {
        assertEquals("EPERM EPERM EPERM ok", py("""
                h = connect('%s', strict=False)
                print(err(lambda: h.pwrite(b'x' * 512, 0)), err(lambda: h.trim(512, 0)),
                      err(lambda: h.zero(512, 0)), err(lambda: h.pread(512, 0)))
                """.formatted(served.uri("ro"))));
    }

    @Test
    void outOfRangeRequestsFailAndTheConnectionGoesOn() {
        assertEquals("EINVAL ENOSPC EINVAL EINVAL True", py("""
                h = connect('%s', strict=False)
                size = h.get_size()
                a = err(lambda: h.pread(4096, size - 100))
                b = err(lambda: h.pwrite(b'y' * 4096, size))
                c = err(lambda: h.pread(512, (1 << 64) - 256))
                d = err(lambda: h.trim(1 << 20, size))
                h.pwrite(b'still here', 0)
                print(a, b, c, d, h.pread(10, 0) == b'still here')
                """.formatted(served.uri("small"))));
    }

    @Test
    void flagsNotAllowedOnACommandGetEinval() {
        assertEquals("EINVAL EINVAL ok", py("""
                h = connect('%s', strict=False)
                a = err(lambda: h.pread(512, 0, nbd.CMD_FLAG_FUA))
                b = err(lambda: h.trim(512, 0, nbd.CMD_FLAG_NO_HOLE))
                print(a, b, err(lambda: h.pread(512, 0)))
                """.formatted(served.uri("small"))));
    }
}
