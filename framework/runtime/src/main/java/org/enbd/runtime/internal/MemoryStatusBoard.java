package org.enbd.runtime.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import org.enbd.api.control.Status;
import org.enbd.api.control.StatusBoard;
import org.osgi.service.component.annotations.Component;

/** The status board kept in memory; waiters wake on every report. A DS component and a plain class. */
@Component(service = StatusBoard.class)
public final class MemoryStatusBoard implements StatusBoard {
    private final Map<String, Status> states = new ConcurrentHashMap<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();

    @Override
    public void report(Status status) {
        states.put(status.id(), status);
        signal();
    }

    @Override
    public void remove(String id) {
        states.remove(id);
        signal();
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
        lock.lock();
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
                changed.awaitNanos(left);
            }
        } finally {
            lock.unlock();
        }
    }

    private void signal() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
