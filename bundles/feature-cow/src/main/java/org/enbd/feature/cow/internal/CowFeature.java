package org.enbd.feature.cow.internal;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.enbd.api.NbdException;
import org.enbd.api.layer.AttachedFeature;
import org.enbd.api.layer.ExportContext;
import org.enbd.api.layer.ExportEvents;
import org.enbd.api.layer.Feature;
import org.enbd.feature.cow.CowControl;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code cow} feature: ENBD's local write, remote read, as nbdkit's cow filter. Each export it is attached to
 * gets its overlays ({@link AttachedCow}); the component owns the I/O threads that make every overlay's changes
 * and read overlay files, so no event loop ever waits for a file. COW_SHOW and COW_DROP (0x0400, 0x0401) are
 * answered by each connection's {@link CowLayer}.
 */
@Component(service = Feature.class, configurationPid = CowFeature.PID,
        property = {Feature.NAME + "=" + CowFeature.NAME,
                Feature.CONTROL_TYPES + ":Integer=" + CowControl.SHOW,
                Feature.CONTROL_TYPES + ":Integer=" + CowControl.DROP})
@Designate(ocd = CowConfig.class)
public final class CowFeature implements Feature {
    static final String NAME = "cow";
    static final String PID = "org.enbd.feature.cow";
    private static final Logger LOG = LoggerFactory.getLogger(CowFeature.class);

    private final ExecutorService pool;
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private final long memoryLimit;
    /**
     * The pool as overlays use it. Once the component stops, a stage that still completes runs its continuation
     * where it completes: the overlays are closed by then, so it only fails with ESHUTDOWN, touching no file.
     */
    private final Executor io = task -> {
        try {
            pool().execute(task);
        } catch (RejectedExecutionException e) {
            task.run();
        }
    };

    @Activate
    public CowFeature(CowConfig config) {
        this(config.threads(), config.memoryLimitMiB() << 20);
    }

    /** The feature without OSGi (tests, embedding): as the configuration's attributes say. */
    public CowFeature(int threadCount, long memoryLimitBytes) {
        AtomicInteger count = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(Math.max(1, threadCount), task -> {
            Thread thread = Thread.ofPlatform().name("enbd-cow-io-" + count.incrementAndGet()).daemon()
                    .unstarted(task);
            threads.add(thread);
            return thread;
        });
        this.memoryLimit = Math.max(0, memoryLimitBytes);
    }

    private ExecutorService pool() {
        return pool;
    }

    /** Threads of the feature still alive. */
    long liveThreads() {
        return threads.stream().filter(Thread::isAlive).count();
    }

    /** Where overlays run their changes and file reads. */
    Executor io() {
        return io;
    }

    @Override
    public AttachedFeature attach(ExportContext export, ExportEvents events) throws NbdException {
        String where = export.exportName().isEmpty() ? "default export" : "export '" + export.exportName() + "'";
        CowPlan plan = CowPlan.parse(where, export.parameters());
        return new AttachedCow(where, export.exportName(), plan, io, memoryLimit);
    }

    /** Stops the I/O threads (joined); exports using the feature were closed before, flushing their overlays. */
    @Deactivate
    public void deactivate() throws InterruptedException {
        pool.shutdown();
        if (!pool.awaitTermination(30, TimeUnit.SECONDS)) {
            LOG.warn("the cow feature's I/O threads did not stop within 30 s");
            pool.shutdownNow();
        }
        for (Thread thread : threads) {
            thread.join();
        }
    }
}
