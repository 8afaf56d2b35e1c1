package org.enbd.media.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.control.StatusBoard;
import org.enbd.api.layer.BackendFactory;
import org.enbd.api.layer.ExportContext;
import org.enbd.api.layer.ExportEvents;
import org.enbd.api.layer.Layer;
import org.enbd.ioctl.IoctlPolicy;
import org.enbd.ioctl.IoctlTable;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code removable:PATH}: an export whose medium may change under it, ENBD's removable media. The component owns
 * one probe thread that looks at every such export's medium about once a second, and the I/O threads their calls
 * block on; both are stopped and joined on deactivate.
 *
 * <p>Why a backend and not a feature over the device backend: the medium must be reopened when it changes (an
 * image replaced with {@code mv} is another inode; a drive drops its page cache on open), and the descriptor
 * that serves the data must be the one remote ioctls run on (CDROMEJECT refuses with EBUSY while any other
 * descriptor of the drive is open). A feature above another backend can do neither.
 */
@Component(service = BackendFactory.class, configurationPid = RemovableBackend.PID,
        property = BackendFactory.TYPE + "=" + RemovableBackend.TYPE)
@Designate(ocd = MediaConfig.class)
public final class RemovableBackend implements BackendFactory {
    static final String TYPE = "removable";
    static final String PID = "org.enbd.media";
    private static final Logger LOG = LoggerFactory.getLogger(RemovableBackend.class);

    private final StatusBoard board;
    private final long intervalMs;
    private final IoThreads io;
    private final List<Thread> probeThreads = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService probes = Executors.newSingleThreadScheduledExecutor(task -> {
        Thread thread = Thread.ofPlatform().name("enbd-media-probe").daemon().unstarted(task);
        probeThreads.add(thread);
        return thread;
    });

    @Activate
    public RemovableBackend(@Reference StatusBoard board, MediaConfig config) {
        this(board, config.probeIntervalMs(), config.ioThreads());
    }

    /** Without OSGi (tests): probes every {@code intervalMs}. */
    public RemovableBackend(StatusBoard board, long intervalMs, int ioThreads) {
        this.board = board;
        this.intervalMs = Math.max(50, intervalMs);
        this.io = new IoThreads(Math.max(1, ioThreads));
    }

    @Override
    public Layer open(String argument, ExportContext export, ExportEvents events) throws NbdException {
        String where = export.exportName().isEmpty() ? "default export" : "export '" + export.exportName() + "'";
        if (!argument.startsWith("/")) {
            throw new NbdException(NbdError.EINVAL, where + ": removable:" + argument + " needs an absolute path "
                    + "(removable:/dev/sr0, removable:/srv/disc.iso)");
        }
        IoctlPolicy ioctls;
        try {
            ioctls = IoctlPolicy.parse(export.parameter(IoctlPolicy.PARAMETER, "none"), IoctlTable.standard());
        } catch (IllegalArgumentException e) {
            throw new NbdException(NbdError.EINVAL, where + ": " + e.getMessage());
        }
        Path path = Path.of(argument);
        RemovableExport medium;
        try {
            medium = new RemovableExport(where, export.exportName(), path, export.readOnly(), Probe.of(path), events,
                    board);
        } catch (IOException e) {
            throw new NbdException(NbdError.EIO, where + ": cannot look at " + path + ": " + e.getMessage(), e);
        }
        LOG.info("{}: removable medium at {}, {}", where, path, medium.describe());
        ScheduledFuture<?> watch;
        try {
            watch = probes.scheduleWithFixedDelay(() -> probe(medium), intervalMs, intervalMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            medium.close();
            throw new NbdException(NbdError.ESHUTDOWN, "the media component has stopped");
        }
        Runnable probeSoon = () -> {
            try {
                probes.execute(() -> probe(medium));
            } catch (RejectedExecutionException stopping) {
                // the component is going away
            }
        };
        return new RemovableLayer(medium, export.readOnly(), io, ioctls, probeSoon) {
            @Override
            public void close() {
                watch.cancel(false);
                medium.close();
            }
        };
    }

    private static void probe(RemovableExport medium) {
        try {
            medium.probe();
        } catch (RuntimeException e) { // a scheduled task that throws is never run again
            LOG.warn("{}: probe failed", medium.where(), e);
        }
    }

    @Deactivate
    public void deactivate() throws InterruptedException {
        probes.shutdownNow();
        if (!probes.awaitTermination(30, TimeUnit.SECONDS)) {
            LOG.warn("the media probe did not stop within 30 s");
        }
        for (Thread thread : probeThreads) {
            thread.join();
        }
        io.close();
    }
}
