package org.enbd.media.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.enbd.api.control.Status;
import org.enbd.api.control.StatusBoard;
import org.enbd.api.layer.ExportEvent;
import org.enbd.api.layer.ExportEvents;
import org.enbd.ioctl.Descriptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One export's removable medium: the medium now, its generation, and the probe that notices a new one. A change
 * opens the new medium, makes it current, publishes {@link ExportEvent.SizeChanged} (size 0 when nothing is in)
 * and {@link ExportEvent.MediumChanged} (the server pushes both to ENBD-J clients), and lets the old descriptor
 * go once its requests are done. Medium errors are counted apart from everything else and shown on the
 * StatusBoard as {@code media:EXPORT}.
 */
final class RemovableExport implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RemovableExport.class);

    private final String where;
    private final Path path;
    private final boolean readOnly;
    private final Probe probe;
    private final ExportEvents events;
    private final StatusBoard board;
    private final String statusId;
    private final AtomicLong mediumErrors = new AtomicLong();
    private volatile Medium current;
    /** The generation a client took last (MEDIA_ACCEPT): writes are refused while another is in. */
    private volatile long accepted = 1;
    private volatile boolean closed;

    RemovableExport(String where, String exportName, Path path, boolean readOnly, Probe probe, ExportEvents events,
                    StatusBoard board) throws IOException {
        this.where = where;
        this.path = path;
        this.readOnly = readOnly;
        this.probe = probe;
        this.events = events;
        this.board = board;
        this.statusId = "media:" + exportName;
        Identity first = probe.look(null);
        this.current = open(1, first);
        show();
    }

    String where() {
        return where;
    }

    Path path() {
        return path;
    }

    /** The medium now, held: the caller releases it. */
    Medium hold() {
        while (true) {
            Medium m = current;
            if (m.hold()) {
                return m;
            }
        }
    }

    /** The medium now, for a log line. */
    String describe() {
        return current.toString();
    }

    long generation() {
        return current.generation;
    }

    long size() {
        Medium m = current;
        return m.present() ? m.identity.size() : 0;
    }

    long accepted() {
        return accepted;
    }

    /** MEDIA_ACCEPT: a client writes for {@code generation} from now on (0: the one in now); false if not in. */
    synchronized boolean accept(long generation) {
        long now = current.generation;
        if (generation != 0 && generation != now) {
            return false;
        }
        if (accepted != now) {
            LOG.info("{}: a client took medium generation {}: writes are accepted again", where, now);
        }
        accepted = now;
        return true;
    }

    /** A read or write the medium refused (not the wire): counted and shown. */
    void mediumError(String what) {
        long n = mediumErrors.incrementAndGet();
        if (Long.bitCount(n) == 1) { // 1, 2, 4, 8, ...: the log is not flooded by a scratched disc
            LOG.warn("{}: medium error #{}: {}", where, n, what);
        }
        show();
    }

    /** Looks at the storage once; on the probe thread (and after an ioctl that may have moved the tray). */
    synchronized void probe() {
        if (closed) {
            return;
        }
        Medium before = current;
        Identity now;
        try {
            now = probe.look(before.present() ? before.descriptor() : null);
        } catch (IOException | RuntimeException e) {
            now = Identity.absent("cannot look at " + path + ": " + e.getMessage());
        }
        if (before.identity.otherMedium(now)) {
            change(before, now);
        } else if (now.size() != before.identity.size()) {
            Medium resized = new Medium(before.generation, now, reopen(before));
            current = resized;
            before.release();
            LOG.info("{}: medium {} resized from {} to {} bytes", where, before.generation, before.identity.size(),
                    now.size());
            events.publish(new ExportEvent.SizeChanged(now.size()));
            show();
        }
    }

    private void change(Medium before, Identity now) {
        Medium next;
        try {
            next = open(before.generation + 1, now);
        } catch (IOException e) {
            next = new Medium(before.generation + 1, Identity.absent(e.getMessage()), null);
        }
        current = next;
        before.release();
        LOG.info("{}: {} (was {})", where, next, before);
        long size = next.present() ? next.identity.size() : 0;
        if (size != (before.present() ? before.identity.size() : 0)) {
            events.publish(new ExportEvent.SizeChanged(size));
        }
        events.publish(new ExportEvent.MediumChanged(next.present(), "generation " + next.generation + ": "
                + next.identity.detail()));
        show();
    }

    /** Opens the medium {@code identity} describes; an absent one has no descriptor. */
    private Medium open(long generation, Identity identity) throws IOException {
        if (!identity.present()) {
            return new Medium(generation, identity, null);
        }
        try {
            return new Medium(generation, identity, openDescriptor());
        } catch (Descriptor.Failure e) {
            return new Medium(generation, Identity.absent("cannot open " + path + ": " + e.getMessage()), null);
        }
    }

    /** A resize keeps the generation; a new descriptor sees the new end (a loop device's capacity). */
    private Descriptor reopen(Medium before) {
        try {
            return openDescriptor();
        } catch (Descriptor.Failure e) {
            before.hold(); // keep serving the one that works
            return before.descriptor();
        }
    }

    private Descriptor openDescriptor() throws Descriptor.Failure {
        int mode = readOnly ? Descriptor.O_RDONLY : Descriptor.O_RDWR;
        // non-blocking open: a drive with no disc (or a tray open) still opens, and its reads say ENOMEDIUM
        return Descriptor.open(path.toString(), mode | Descriptor.O_NONBLOCK);
    }

    private void show() {
        Medium m = current;
        board.report(new Status(statusId, "media", Status.State.UP, (m.present() ? "medium " : "no medium, ")
                + m, java.util.Map.of("generation", m.generation, "present", m.present(), "size", size(),
                "errors.medium", mediumErrors.get(), "path", path.toString()), null));
    }

    @Override
    public synchronized void close() {
        closed = true;
        current.release();
        board.remove(statusId);
    }
}
