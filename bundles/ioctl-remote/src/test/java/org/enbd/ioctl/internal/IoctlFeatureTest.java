package org.enbd.ioctl.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.layer.Capabilities;
import org.enbd.api.layer.ExportContext;
import org.enbd.api.layer.ExportEvents;
import org.enbd.api.layer.Layer;
import org.enbd.api.layer.SessionContext;
import org.enbd.api.layer.SyncLayer;
import org.enbd.ioctl.Errno;
import org.enbd.ioctl.IoctlControl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IoctlFeatureTest {
    private final IoctlFeature feature = new IoctlFeature();

    @TempDir
    Path dir;

    @AfterEach
    void stop() throws InterruptedException {
        feature.deactivate();
    }

    /** The end of a chain: a backend that knows no control messages, or one that answers CALL itself. */
    private static final class Backend implements Layer {
        final AtomicInteger calls = new AtomicInteger();
        final IoctlControl.Reply answer;

        Backend(IoctlControl.Reply answer) {
            this.answer = answer;
        }

        @Override
        public long size() {
            return 4096;
        }

        @Override
        public Capabilities capabilities() {
            return Capabilities.builder().build();
        }

        @Override
        public CompletionStage<ByteBuf> read(long offset, int length, int flags, ByteBufAllocator alloc) {
            return CompletableFuture.completedFuture(alloc.buffer(length).writeZero(length));
        }

        @Override
        public CompletionStage<ByteBuf> control(int type, ByteBuf data, ByteBufAllocator alloc) {
            calls.incrementAndGet();
            if (answer == null) {
                return Layer.super.control(type, data, alloc);
            }
            IoctlControl.Request.decode(data.duplicate()); // what arrives is a well-formed call
            return CompletableFuture.completedFuture(answer.encode(alloc));
        }
    }

    private SyncLayer open(Map<String, String> parameters, Layer backend) throws NbdException {
        ExportContext export = new ExportContext("cd", true, parameters);
        return new SyncLayer(feature.attach(export, ExportEvents.NONE).open(backend,
                SessionContext.plain(export, "peer")));
    }

    private String image() throws Exception {
        Path file = dir.resolve("disc.iso");
        Files.write(file, new byte[4096]);
        return file.toString();
    }

    private static IoctlControl.Reply call(SyncLayer layer, String name) throws NbdException {
        ByteBuf request = new IoctlControl.Request(name, 0, new byte[0]).encode(ByteBufAllocator.DEFAULT);
        try {
            ByteBuf reply = layer.control(IoctlControl.CALL, request, ByteBufAllocator.DEFAULT);
            try {
                return IoctlControl.Reply.decode(reply);
            } finally {
                reply.release();
            }
        } finally {
            request.release();
        }
    }

    @Test
    void anAllowedCallRunsOnTheExportedDevice() throws Exception {
        SyncLayer layer = open(Map.of("backend", "file:" + image(), "ioctls", "cdrom"), new Backend(null));
        // a regular file is no drive: the kernel's own answer comes back, which proves the call ran there
        IoctlControl.Reply reply = call(layer, "CDROM_DRIVE_STATUS");
        assertEquals(-1, reply.result());
        assertEquals(Errno.ENOTTY, reply.errno());
    }

    @Test
    void aCallTheExportDoesNotAllowIsEperm() throws Exception {
        Backend backend = new Backend(null);
        SyncLayer layer = open(Map.of("backend", image(), "ioctls", "cdrom"), backend);
        NbdException e = assertThrows(NbdException.class, () -> call(layer, "BLKFLSBUF"));
        assertEquals(NbdError.EPERM, e.error());
        assertTrue(e.getMessage().contains("ioctls=cdrom"), e.getMessage());
        assertEquals(0, backend.calls.get(), "a refused call never reaches the storage");
    }

    @Test
    void withoutTheParameterNothingIsAllowed() throws Exception {
        SyncLayer layer = open(Map.of("backend", image()), new Backend(null));
        assertEquals(NbdError.EPERM, assertThrows(NbdException.class, () -> call(layer, "CDROMEJECT")).error());
    }

    @Test
    void anUnknownIoctlIsEinval() throws Exception {
        SyncLayer layer = open(Map.of("backend", image(), "ioctls", "all"), new Backend(null));
        assertEquals(NbdError.EINVAL, assertThrows(NbdException.class, () -> call(layer, "NO_SUCH")).error());
    }

    @Test
    void aBackendThatHoldsTheMediumAnswersFirst() throws Exception {
        Backend backend = new Backend(new IoctlControl.Reply(0, 0, new byte[0]));
        SyncLayer layer = open(Map.of("backend", "removable:" + image(), "ioctls", "cdrom"), backend);
        assertEquals(new IoctlControl.Reply(0, 0, new byte[0]), call(layer, "CDROMEJECT"));
        assertEquals(1, backend.calls.get());
    }

    @Test
    void listNamesWhatTheExportAllows() throws Exception {
        SyncLayer layer = open(Map.of("backend", image(), "ioctls", "BLKGETSIZE64+FDEJECT"), new Backend(null));
        ByteBuf reply = layer.control(IoctlControl.LIST, Unpooled.EMPTY_BUFFER, ByteBufAllocator.DEFAULT);
        try {
            assertEquals(List.of("BLKGETSIZE64", "FDEJECT"), IoctlControl.names(reply));
        } finally {
            reply.release();
        }
    }

    @Test
    void otherControlTypesPassOn() throws Exception {
        Backend backend = new Backend(null);
        SyncLayer layer = open(Map.of("backend", image()), backend);
        assertEquals(NbdError.ENOTSUP, assertThrows(NbdException.class,
                () -> layer.control(0x0300, Unpooled.EMPTY_BUFFER, ByteBufAllocator.DEFAULT)).error());
        assertEquals(1, backend.calls.get());
    }

    @Test
    void badParametersFailTheExport() {
        ExportContext memory = new ExportContext("m", false, Map.of("backend", "memory:1G", "ioctls", "block"));
        assertTrue(assertThrows(NbdException.class, () -> feature.attach(memory, ExportEvents.NONE)).getMessage()
                .contains("needs a device"));
        ExportContext typo = new ExportContext("m", false, Map.of("backend", "/dev/sr0", "ioctls", "cdrom+blok"));
        assertEquals(NbdError.EINVAL, assertThrows(NbdException.class,
                () -> feature.attach(typo, ExportEvents.NONE)).error());
        ExportContext misspelt = new ExportContext("m", false, Map.of("backend", "/dev/sr0", "ioctl.allow", "x"));
        assertEquals(NbdError.EINVAL, assertThrows(NbdException.class,
                () -> feature.attach(misspelt, ExportEvents.NONE)).error());
    }
}
