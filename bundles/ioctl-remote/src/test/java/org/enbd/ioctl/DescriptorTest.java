package org.enbd.ioctl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The descriptor's calls on a real file: what the host kernel answers, no device needed. */
class DescriptorTest {
    /** FIONREAD on a regular file: the bytes left to read, written through the pointer (an OUT argument). */
    private static final Ioctl FIONREAD = new Ioctl("FIONREAD", "test", 0x541B, Marshal.OUT, 4);

    @TempDir
    Path dir;

    @Test
    void anOutArgumentComesBackFilledByTheKernel() throws Exception {
        Path file = dir.resolve("a.img");
        Files.write(file, new byte[12345]);
        try (Descriptor d = Descriptor.open(file.toString(), Descriptor.O_RDONLY)) {
            IoctlControl.Reply reply = d.ioctl(FIONREAD, new IoctlControl.Request("FIONREAD", 0, new byte[0]));
            assertEquals(0, reply.errno());
            assertEquals(12345, ByteBuffer.wrap(reply.data()).order(ByteOrder.LITTLE_ENDIAN).getInt());
        }
    }

    @Test
    void aDeviceIoctlOnAFileIsTheKernelsRefusalNotAnException() throws Exception {
        Path file = dir.resolve("b.img");
        Files.write(file, new byte[512]);
        Ioctl eject = IoctlTable.standard().named("CDROMEJECT").orElseThrow();
        try (Descriptor d = Descriptor.open(file.toString(), Descriptor.O_RDONLY | Descriptor.O_NONBLOCK)) {
            IoctlControl.Reply reply = d.ioctl(eject, new IoctlControl.Request("CDROMEJECT", 0, new byte[0]));
            assertEquals(-1, reply.result());
            assertEquals(Errno.ENOTTY, reply.errno());
        }
    }

    @Test
    void readsAndWritesAtOffsets() throws Exception {
        Path file = dir.resolve("c.img");
        Files.write(file, new byte[8192]);
        try (Descriptor d = Descriptor.open(file.toString(), Descriptor.O_RDWR)) {
            d.writeFully(4096, ByteBuffer.wrap(new byte[] {1, 2, 3}));
            ByteBuffer back = ByteBuffer.allocateDirect(3);
            d.readFully(4096, back);
            byte[] got = new byte[3];
            back.get(0, got);
            assertArrayEquals(new byte[] {1, 2, 3}, got);
            Descriptor.Failure past = assertThrows(Descriptor.Failure.class,
                    () -> d.readFully(8190, ByteBuffer.allocate(4)));
            assertEquals(Errno.EIO, past.errno());
        }
    }

    @Test
    void aMissingPathIsItsErrno() {
        Descriptor.Failure e = assertThrows(Descriptor.Failure.class,
                () -> Descriptor.open(dir.resolve("none").toString(), Descriptor.O_RDONLY));
        assertEquals("open " + dir.resolve("none") + ": ENOENT", e.getMessage());
    }
}
