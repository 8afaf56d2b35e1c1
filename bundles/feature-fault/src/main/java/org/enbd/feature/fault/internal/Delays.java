package org.enbd.feature.fault.internal;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread of the fault feature: it runs a delayed request when its time comes (no event loop waits), and
 * checks error files off the loops. {@link #close} stops it, joins it, and fails what was still waiting with
 * ESHUTDOWN, so no request is left without an answer.
 */
final class Delays implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Delays.class);

    private final ScheduledThreadPoolExecutor executor;
    private final Set<Waiting> waiting = ConcurrentHashMap.newKeySet();
    /** The executor's thread (a new one if a task ever killed it), joined on close. */
    private final List<Thread> threads = new CopyOnWriteArrayList<>();

    Delays(String threadName) {
        executor = new ScheduledThreadPoolExecutor(1, task -> {
            Thread thread = Thread.ofPlatform().name(threadName).daemon().unstarted(task);
            threads.add(thread);
            return thread;
        });
        executor.setRemoveOnCancelPolicy(true);
    }

    /**
     * Runs {@code task} on the feature's thread after {@code nanos} (at once when 0); if the feature stops first,
     * {@code stopped} gets an ESHUTDOWN instead.
     */
    void after(long nanos, Runnable task, Consumer<NbdException> stopped) {
        Waiting w = new Waiting(task, stopped);
        waiting.add(w);
        try {
            executor.schedule(w, nanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            w.stop();
        }
    }

    /** Whether {@link #close} was called: nothing runs any more. */
    boolean closed() {
        return executor.isShutdown();
    }

    /** Requests waiting now. */
    int waiting() {
        return waiting.size();
    }

    @Override
    public void close() {
        executor.shutdownNow();
        try {
            if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("the fault feature's thread did not stop within 10 s");
            }
            for (Thread thread : threads) {
                thread.join(); // the executor has terminated: the thread is leaving
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        waiting.forEach(Waiting::stop);
    }

    /** A task that either runs or is stopped, once: whoever removes it from {@code waiting} decides. */
    private final class Waiting implements Runnable {
        private final Runnable task;
        private final Consumer<NbdException> stopped;

        Waiting(Runnable task, Consumer<NbdException> stopped) {
            this.task = task;
            this.stopped = stopped;
        }

        @Override
        public void run() {
            if (waiting.remove(this)) {
                task.run();
            }
        }

        void stop() {
            if (waiting.remove(this)) {
                stopped.accept(new NbdException(NbdError.ESHUTDOWN, "the fault feature stopped while the "
                        + "request was delayed"));
            }
        }
    }
}
