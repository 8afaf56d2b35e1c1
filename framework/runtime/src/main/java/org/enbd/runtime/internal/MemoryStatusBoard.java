package org.enbd.runtime.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import org.enbd.api.control.Status;
import org.enbd.api.control.StatusBoard;
import org.osgi.service.component.annotations.Component;

/**
 * The status board kept in memory; waiters wake on every report. A DS component and a plain class.
 *
 * <p>Reports come from event loops (a connection's state, a device's), so reporting takes no lock: waiters
 * register their thread and are unparked (never blocking the reporter), and re-check the state they wait for.
 * (A lock with a condition made a loop park whenever a waiter held the lock: the loop guard caught it.)
 */
@Component(service = StatusBoard.class)
public final class MemoryStatusBoard implements StatusBoard {
    /** A waiter re-checks at least this often, so a lost wake-up costs a delay, never a hang. */
    private static final long RECHECK_NANOS = 100_000_000L;

    private final Map<String, Status> states = new ConcurrentHashMap<>();
    private final Set<Thread> waiters = ConcurrentHashMap.newKeySet();

    @Override
    public void report(Status status) {
        states.put(status.id(), status);
        wakeWaiters();
    }

    @Override
    public void remove(String id) {
        states.remove(id);
        wakeWaiters();
    }

    @Override
    public List<Status> snapshot() {
        List<Status> all = new ArrayList<>(states.values());
        all.sort(Comparator.comparing(Status::id));
        return List.copyOf(all);
    }

    @Override
    public Optional<Status> get(String id) {
        return Optional.ofNullable(states.get(id));
    }

    @Override
    public Status await(String id, Predicate<Status> until, Duration timeout)
            throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Thread me = Thread.currentThread();
        waiters.add(me);
        try {
            while (true) {
                Status now = states.get(id);
                if (now != null && until.test(now)) {
                    return now;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new TimeoutException("'" + id + "' did not reach the expected state within " + timeout
                            + " (last: " + (now == null ? "nothing reported" : now.state() + " " + now.detail()) + ")");
                }
                // a report between the check and the park leaves a permit: the park returns at once
                LockSupport.parkNanos(this, Math.min(left, RECHECK_NANOS));
                if (Thread.interrupted()) {
                    throw new InterruptedException("waiting for '" + id + "'");
                }
            }
        } finally {
            waiters.remove(me);
        }
    }

    private void wakeWaiters() {
        for (Thread waiter : waiters) {
            LockSupport.unpark(waiter);
        }
    }
}
