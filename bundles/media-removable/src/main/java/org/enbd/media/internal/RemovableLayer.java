package org.enbd.media.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.layer.Capabilities;
import org.enbd.api.layer.Layer;
import org.enbd.api.layer.RequestFlags;
import org.enbd.api.layer.Support;
import org.enbd.ioctl.Descriptor;
import org.enbd.ioctl.Errno;
import org.enbd.ioctl.Ioctl;
import org.enbd.ioctl.IoctlControl;
import org.enbd.ioctl.IoctlPolicy;
import org.enbd.ioctl.IoctlTable;
import org.enbd.media.MediaControl;

/**
 * The {@code removable:} backend's layer, shared by the export's connections. Every call holds the medium current
 * when it arrived and runs on the component's I/O threads. No medium is EIO with a message that says so (NBD has no
 * ENOMEDIUM: the kernel maps every error to an I/O error), counted as a medium error, never a wire error. A write
 * whose medium is no longer current when its turn comes is refused: a write meant for the old medium never lands
 * on the new one. Remote ioctls the export allows run here, on the descriptor that holds the medium.
 */
class RemovableLayer implements Layer {
    private final RemovableExport export;
    private final boolean readOnly;
    private final Executor io;
    private final IoctlPolicy ioctls;
    private final Runnable probeSoon;

    RemovableLayer(RemovableExport export, boolean readOnly, Executor io, IoctlPolicy ioctls, Runnable probeSoon) {
        this.export = export;
        this.readOnly = readOnly;
        this.io = io;
        this.ioctls = ioctls;
        this.probeSoon = probeSoon;
    }

    @Override
    public long size() {
        return export.size();
    }

    @Override
    public Capabilities capabilities() {
        return Capabilities.builder().writable(!readOnly).flush(!readOnly)
                .fua(readOnly ? Support.NONE : Support.EMULATE).zero(readOnly ? Support.NONE : Support.EMULATE)
                .build();
    }

    /** Blocking work on one held medium. */
    @FunctionalInterface
    private interface OnMedium<T> {
        T run(Medium medium) throws NbdException, Descriptor.Failure;
    }

    private <T> CompletionStage<T> onMedium(String what, OnMedium<T> work) {
        Medium medium = export.hold();
        if (!medium.present()) {
            medium.release();
            export.mediumError(what + ": " + medium.identity.detail());
            return Layer.failed(NbdError.EIO, "no medium: " + medium.identity.detail());
        }
        CompletableFuture<T> done = new CompletableFuture<>();
        try {
            io.execute(() -> {
                try {
                    done.complete(work.run(medium));
                } catch (Descriptor.Failure e) {
                    export.mediumError(e.getMessage());
                    done.completeExceptionally(new NbdException(NbdError.EIO, "medium error: " + e.getMessage()
                            + (e.errno() == Errno.ENOMEDIUM ? " (no medium)" : "")));
                } catch (NbdException | RuntimeException e) {
                    done.completeExceptionally(e);
                } finally {
                    medium.release();
                }
            });
        } catch (RejectedExecutionException e) {
            medium.release();
            done.completeExceptionally(new NbdException(NbdError.ESHUTDOWN, "the media component has stopped"));
        }
        return done;
    }

    @Override
    public CompletionStage<ByteBuf> read(long offset, int length, int flags, ByteBufAllocator alloc) {
        return onMedium("read " + length + " bytes at " + offset, m -> {
            ByteBuf into = alloc.directBuffer(length, length);
            try {
                m.descriptor().readFully(offset, into.nioBuffer(0, length));
                return into.writerIndex(length);
            } catch (Descriptor.Failure | RuntimeException e) {
                into.release();
                throw e;
            }
        });
    }

    @Override
    public CompletionStage<Void> write(long offset, ByteBuf data, int flags) {
        if (readOnly) {
            return Layer.failed(NbdError.EPERM, "export is read-only");
        }
        // taken on arrival, in the connection's order: a MEDIA_ACCEPT that arrives after this write must not
        // let it through because it overtook it on the way to the I/O thread
        long accepted = export.accepted();
        return onMedium("write " + data.readableBytes() + " bytes at " + offset, m -> {
            long now = export.generation();
            if (now != m.generation) {
                throw new NbdException(NbdError.EIO, "the medium changed (generation " + m.generation + " to "
                        + now + ") before this write reached it: refused, it was meant for the old one");
            }
            if (accepted != m.generation) {
                throw new NbdException(NbdError.EIO, "the medium changed (generation " + accepted + " to "
                        + m.generation + ") and no client has taken the new one yet (MEDIA_ACCEPT): refused, a "
                        + "write now was sent for the old one");
            }
            m.descriptor().writeFully(offset, data.nioBuffer());
            if (RequestFlags.has(flags, RequestFlags.FUA)) {
                m.descriptor().sync();
            }
            return null;
        });
    }

    @Override
    public CompletionStage<Void> flush(int flags) {
        return onMedium("flush", m -> {
            m.descriptor().sync();
            return null;
        });
    }

    @Override
    public CompletionStage<ByteBuf> control(int type, ByteBuf data, ByteBufAllocator alloc) {
        return switch (type) {
            case MediaControl.QUERY -> {
                Medium m = export.hold();
                try {
                    String line = "generation=" + m.generation + " present=" + m.present() + " size=" + export.size()
                            + " detail=" + m.identity.detail();
                    yield CompletableFuture.completedFuture(alloc.buffer().writeBytes(
                            line.getBytes(StandardCharsets.UTF_8)));
                } finally {
                    m.release();
                }
            }
            case MediaControl.ACCEPT -> accept(data, alloc);
            case IoctlControl.CALL -> ioctl(data, alloc);
            default -> Layer.super.control(type, data, alloc);
        };
    }

    private CompletionStage<ByteBuf> accept(ByteBuf data, ByteBufAllocator alloc) {
        String text = data.toString(StandardCharsets.US_ASCII).strip();
        long generation;
        try {
            generation = text.isEmpty() ? 0 : Long.parseLong(text);
        } catch (NumberFormatException e) {
            return Layer.failed(NbdError.EINVAL, "MEDIA_ACCEPT wants a generation number, not '" + text + "'");
        }
        if (!export.accept(generation)) {
            return Layer.failed(NbdError.EINVAL, "medium generation " + generation + " is no longer in ("
                    + export.describe() + ")");
        }
        return CompletableFuture.completedFuture(alloc.buffer().writeBytes(("accepted generation "
                + export.accepted()).getBytes(StandardCharsets.UTF_8)));
    }

    /** A remote ioctl on the descriptor that holds the medium (or, with none in, one opened for the call). */
    private CompletionStage<ByteBuf> ioctl(ByteBuf data, ByteBufAllocator alloc) {
        IoctlControl.Request request;
        try {
            request = IoctlControl.Request.decode(data.duplicate());
        } catch (IllegalArgumentException e) {
            return Layer.failed(NbdError.EINVAL, e.getMessage());
        }
        Ioctl ioctl = IoctlTable.standard().named(request.name()).orElse(null);
        if (ioctl == null) {
            return Layer.failed(NbdError.EINVAL, "ioctl " + request.name() + " is not one ENBD-J knows");
        }
        if (!ioctls.allows(ioctl)) { // the same policy as the ioctl feature: no way round it from below
            return Layer.failed(NbdError.EPERM, export.where() + " does not allow " + ioctl.name() + " (" + ioctls
                    + ")");
        }
        CompletableFuture<ByteBuf> done = new CompletableFuture<>();
        try {
            io.execute(() -> {
                Medium m = export.hold();
                try {
                    IoctlControl.Reply reply = m.present() ? m.descriptor().ioctl(ioctl, request)
                            : onFreshDescriptor(ioctl, request);
                    done.complete(reply.encode(alloc));
                } catch (RuntimeException e) {
                    done.completeExceptionally(e);
                } finally {
                    m.release();
                    probeSoon.run(); // a tray that moved is a medium change: tell clients now, not in a second
                }
            });
        } catch (RejectedExecutionException e) {
            done.completeExceptionally(new NbdException(NbdError.ESHUTDOWN, "the media component has stopped"));
        }
        return done;
    }

    private IoctlControl.Reply onFreshDescriptor(Ioctl ioctl, IoctlControl.Request request) {
        try (Descriptor d = Descriptor.open(export.path().toString(), Descriptor.O_RDONLY | Descriptor.O_NONBLOCK)) {
            return d.ioctl(ioctl, request);
        } catch (Descriptor.Failure e) {
            return new IoctlControl.Reply(-1, e.errno(), new byte[0]);
        }
    }
}
