package org.enbd.media.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.control.Status;
import org.enbd.api.control.StatusBoard;
import org.enbd.api.layer.ExportEvent;
import org.enbd.api.layer.SyncLayer;
import org.enbd.ioctl.Errno;
import org.enbd.ioctl.IoctlControl;
import org.enbd.ioctl.IoctlPolicy;
import org.enbd.ioctl.IoctlTable;
import org.enbd.media.MediaControl;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An image file as a removable medium: probes are called by the test (the component's schedule only calls the
 * same method), I/O runs on a queue the test drains, so every interleaving is chosen, none is timed.
 */
class RemovableMediumTest {
    @TempDir
    Path dir;

    private final List<ExportEvent> events = new CopyOnWriteArrayList<>();
    private final Board board = new Board();
    private final ArrayDeque<Runnable> queued = new ArrayDeque<>();
    private Path image;
    private RemovableExport medium;
    private RemovableLayer layer;

    /** Only what this test reads; waiting is never needed, the probes are called in line. */
    private static final class Board implements StatusBoard {
        final Map<String, Status> shown = new ConcurrentHashMap<>();

        @Override
        public void report(Status status) {
            shown.put(status.id(), status);
        }

        @Override
        public void remove(String id) {
            shown.remove(id);
        }

        @Override
        public List<Status> snapshot() {
            return List.copyOf(shown.values());
        }

        @Override
        public Optional<Status> get(String id) {
            return Optional.ofNullable(shown.get(id));
        }

        @Override
        public Status await(String id, java.util.function.Predicate<Status> until, java.time.Duration timeout) {
            throw new UnsupportedOperationException("not waited on here");
        }
    }

    @BeforeEach
    void open() throws Exception {
        image = dir.resolve("disc.img");
        Files.write(image, filled('A', 8192));
        medium = new RemovableExport("export 'cd'", "cd", image, false, Probe.of(image), events::add, board);
        layer = new RemovableLayer(medium, false, queued::add, IoctlPolicy.parse("cdrom", IoctlTable.standard()),
                () -> { });
    }

    private static byte[] filled(char c, int n) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) c);
        return b;
    }

    /** Runs what the I/O threads would, then waits on the stage (already complete). */
    private <T> T drain(CompletionStage<T> stage) throws NbdException {
        while (!queued.isEmpty()) {
            queued.poll().run();
        }
        return SyncLayer.await(stage);
    }

    private byte[] read(long offset, int length) throws NbdException {
        ByteBuf b = drain(layer.read(offset, length, 0, ByteBufAllocator.DEFAULT));
        try {
            return ByteBufUtil.getBytes(b);
        } finally {
            b.release();
        }
    }

    private void replaceWithMv(char c, int size) throws Exception {
        Path next = dir.resolve("next.img");
        Files.write(next, filled(c, size));
        Files.move(next, image, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void anImageReplacedWithMvIsANewMediumReadFromThenOn() throws Exception {
        assertArrayEquals(filled('A', 16), read(0, 16));
        replaceWithMv('B', 8192);
        medium.probe();
        assertEquals(2, medium.generation());
        assertEquals(1, events.size(), "same size: only the medium changed " + events);
        ExportEvent.MediumChanged changed = (ExportEvent.MediumChanged) events.getFirst();
        assertTrue(changed.present());
        assertTrue(changed.detail().startsWith("generation 2: "), changed.detail());
        assertArrayEquals(filled('B', 16), read(0, 16), "the new medium's bytes, not the old inode's");
        medium.probe();
        assertEquals(1, events.size(), "nothing changed since");
    }

    @Test
    void aWriteToTheImageIsNotANewMedium() throws Exception {
        drain(layer.write(0, Unpooled.wrappedBuffer(filled('W', 512)), 0));
        Files.setLastModifiedTime(image, java.nio.file.attribute.FileTime.fromMillis(0));
        medium.probe();
        assertEquals(1, medium.generation());
        assertTrue(events.isEmpty(), events.toString());
    }

    @Test
    void aGrownImageIsTheSameMediumWithANewSize() throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(16384);
        }
        medium.probe();
        assertEquals(1, medium.generation());
        assertEquals(List.of(new ExportEvent.SizeChanged(16384)), events);
        assertEquals(16384, layer.size());
    }

    @Test
    void noMediumIsEioThatSaysSoAndSizeZero() throws Exception {
        Files.delete(image);
        medium.probe();
        assertEquals(List.of(new ExportEvent.SizeChanged(0),
                new ExportEvent.MediumChanged(false, "generation 2: no image at " + image)), events);
        NbdException e = assertThrows(NbdException.class, () -> read(0, 512));
        assertEquals(NbdError.EIO, e.error());
        assertTrue(e.getMessage().startsWith("no medium: no image at "), e.getMessage());
        Status shown = board.get("media:cd").orElseThrow();
        assertEquals(1L, shown.attributes().get("errors.medium"));
        assertEquals(false, shown.attributes().get("present"));
        replaceWithMv('C', 4096);
        medium.probe();
        assertEquals(new ExportEvent.SizeChanged(4096), events.get(2));
        assertArrayEquals(filled('C', 8), read(0, 8));
    }

    @Test
    void aWriteInFlightAcrossAChangeNeverLandsOnTheNewMedium() throws Exception {
        CompletionStage<Void> write = layer.write(0, Unpooled.wrappedBuffer(filled('W', 512)), 0);
        replaceWithMv('N', 8192); // the write is queued, not yet run, when the medium changes
        medium.probe();
        NbdException e = assertThrows(NbdException.class, () -> drain(write));
        assertEquals(NbdError.EIO, e.error());
        assertTrue(e.getMessage().contains("meant for the old one"), e.getMessage());
        assertArrayEquals(filled('N', 8192), Files.readAllBytes(image));
    }

    @Test
    void aWriteSentAfterAChangeIsRefusedUntilAClientAcceptsTheNewMedium() throws Exception {
        replaceWithMv('N', 8192);
        medium.probe(); // the write below arrives after the change: the client may have sent it for the old medium
        NbdException e = assertThrows(NbdException.class,
                () -> drain(layer.write(0, Unpooled.wrappedBuffer(filled('W', 512)), 0)));
        assertEquals(NbdError.EIO, e.error());
        assertTrue(e.getMessage().contains("no client has taken the new one yet"), e.getMessage());
        assertArrayEquals(filled('N', 8192), Files.readAllBytes(image));

        NbdException stale = assertThrows(NbdException.class, () -> drain(layer.control(MediaControl.ACCEPT,
                Unpooled.copiedBuffer("1", StandardCharsets.US_ASCII), ByteBufAllocator.DEFAULT)));
        assertEquals(NbdError.EINVAL, stale.error(), "generation 1 is out");
        ByteBuf reply = drain(layer.control(MediaControl.ACCEPT, Unpooled.copiedBuffer("2",
                StandardCharsets.US_ASCII), ByteBufAllocator.DEFAULT));
        try {
            assertEquals("accepted generation 2", reply.toString(StandardCharsets.UTF_8));
        } finally {
            reply.release();
        }
        drain(layer.write(0, Unpooled.wrappedBuffer(filled('W', 512)), 0));
        assertArrayEquals(filled('W', 512), Arrays.copyOf(Files.readAllBytes(image), 512));
    }

    @Test
    void anAcceptThatOvertakesAWriteQueuedBeforeItDoesNotLetItThrough() throws Exception {
        replaceWithMv('N', 8192);
        medium.probe();
        CompletionStage<Void> late = layer.write(0, Unpooled.wrappedBuffer(filled('W', 512)), 0);
        // the accept is answered on the loop at once, while the write still waits for an I/O thread
        layer.control(MediaControl.ACCEPT, Unpooled.copiedBuffer("2", StandardCharsets.US_ASCII),
                ByteBufAllocator.DEFAULT).toCompletableFuture().join().release();
        NbdException e = assertThrows(NbdException.class, () -> drain(late));
        assertEquals(NbdError.EIO, e.error());
        assertArrayEquals(filled('N', 8192), Files.readAllBytes(image));
    }

    @Test
    void theMediumIsAskedOverTheControlChannel() throws Exception {
        ByteBuf reply = drain(layer.control(MediaControl.QUERY, Unpooled.EMPTY_BUFFER, ByteBufAllocator.DEFAULT));
        try {
            String line = reply.toString(StandardCharsets.UTF_8);
            assertTrue(line.startsWith("generation=1 present=true size=8192 detail=" + image), line);
        } finally {
            reply.release();
        }
    }

    @Test
    void ioctlsRunOnTheHeldDescriptorWithinTheExportsPolicy() throws Exception {
        ByteBuf allowed = new IoctlControl.Request("CDROM_DRIVE_STATUS", 0, new byte[0]).encode(ByteBufAllocator.DEFAULT);
        ByteBuf refused = new IoctlControl.Request("BLKFLSBUF", 0, new byte[0]).encode(ByteBufAllocator.DEFAULT);
        try {
            ByteBuf reply = drain(layer.control(IoctlControl.CALL, allowed, ByteBufAllocator.DEFAULT));
            try {
                assertEquals(Errno.ENOTTY, IoctlControl.Reply.decode(reply).errno(), "an image is no drive");
            } finally {
                reply.release();
            }
            NbdException e = assertThrows(NbdException.class,
                    () -> drain(layer.control(IoctlControl.CALL, refused, ByteBufAllocator.DEFAULT)));
            assertEquals(NbdError.EPERM, e.error());
        } finally {
            allowed.release();
            refused.release();
        }
    }

    @Test
    void closingLetsTheStatusGo() {
        medium.close();
        assertFalse(board.get("media:cd").isPresent());
    }
}
