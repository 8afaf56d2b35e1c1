package org.enbd.feature.fault.internal;

import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread of the fault feature: it runs a delayed request when its time comes (no event loop waits), and
 * checks error files off the loops. {@link #close} stops it, joins it, and fails what was still waiting with
 * ESHUTDOWN, so no request is left without an answer.
 *
 * <p>Handing a task over takes no lock: {@link #after} is called on event loops, and a scheduled executor's
 * queue lock parks a loop whenever the feature's thread holds it (the loop guard caught that). Tasks arrive in a
 * lock-free queue; the thread alone keeps them in deadline order and parks until the earliest is due or a new one
 * arrives ({@link LockSupport#unpark} never blocks the caller).
 */
final class Delays implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Delays.class);

    private final ConcurrentLinkedQueue<Waiting> arriving = new ConcurrentLinkedQueue<>();
    private final Set<Waiting> waiting = ConcurrentHashMap.newKeySet();
    private final AtomicLong order = new AtomicLong();
    private final Thread thread;
    private volatile boolean closed;

    Delays(String threadName) {
        thread = Thread.ofPlatform().name(threadName).daemon().start(this::run);
    }

    /**
     * Runs {@code task} on the feature's thread after {@code nanos} (at once when 0); if the feature stops first,
     * {@code stopped} gets an ESHUTDOWN instead.
     */
    void after(long nanos, Runnable task, Consumer<NbdException> stopped) {
        Waiting w = new Waiting(System.nanoTime() + Math.max(0, nanos), order.getAndIncrement(), task, stopped);
        waiting.add(w);
        if (closed) {
            w.stop();
            return;
        }
        arriving.add(w);
        LockSupport.unpark(thread);
    }

    /** Whether {@link #close} was called: nothing runs any more. */
    boolean closed() {
        return closed;
    }

    /** Requests waiting now. */
    int waiting() {
        return waiting.size();
    }

    private void run() {
        PriorityQueue<Waiting> due = new PriorityQueue<>();
        while (!closed) {
            for (Waiting w; (w = arriving.poll()) != null; ) {
                due.add(w);
            }
            long now = System.nanoTime();
            while (!due.isEmpty() && due.peek().deadline - now <= 0) {
                Waiting w = due.poll();
                try {
                    w.run();
                } catch (RuntimeException e) {
                    LOG.warn("a delayed request failed on the fault feature's thread", e);
                }
            }
            if (!arriving.isEmpty()) {
                continue;
            }
            if (due.isEmpty()) {
                LockSupport.park(this);
            } else {
                LockSupport.parkNanos(this, due.peek().deadline - System.nanoTime());
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(thread);
        try {
            thread.join(10_000);
            if (thread.isAlive()) {
                LOG.warn("the fault feature's thread did not stop within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        waiting.forEach(Waiting::stop);
    }

    /** A task that either runs or is stopped, once: whoever removes it from {@code waiting} decides. */
    private final class Waiting implements Comparable<Waiting> {
        final long deadline;
        final long sequence;
        private final Runnable task;
        private final Consumer<NbdException> stopped;

        Waiting(long deadline, long sequence, Runnable task, Consumer<NbdException> stopped) {
            this.deadline = deadline;
            this.sequence = sequence;
            this.task = task;
            this.stopped = stopped;
        }

        @Override
        public int compareTo(Waiting other) {
            int byTime = Long.compare(deadline - other.deadline, 0);
            return byTime != 0 ? byTime : Long.compare(sequence, other.sequence);
        }

        void run() {
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
