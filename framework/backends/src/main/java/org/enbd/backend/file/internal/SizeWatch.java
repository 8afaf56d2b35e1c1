package org.enbd.backend.file.internal;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Notices when a served file or device changes size (a file extended with {@code truncate}, a logical volume
 * grown), so the export can tell its clients: one thread per backend component probes every open layer each
 * {@link #INTERVAL}, which costs one {@code lseek} or {@code ioctl} per export and second. Daemon, so a factory
 * built by hand in a test never holds the JVM up; the component closes it on deactivate.
 */
public final class SizeWatch implements AutoCloseable {
    public static final Duration INTERVAL = Duration.ofSeconds(1);

    private final ScheduledExecutorService timer;

    public SizeWatch(String kind) {
        this.timer = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "enbd-" + kind + "-size-watch");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Runs {@code probe} every interval until the returned handle is cancelled. */
    ScheduledFuture<?> every(Runnable probe) {
        long millis = INTERVAL.toMillis();
        return timer.scheduleWithFixedDelay(probe, millis, millis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
