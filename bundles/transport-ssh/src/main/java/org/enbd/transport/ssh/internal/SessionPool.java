package org.enbd.transport.ssh.internal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Shares one session per key among every stream that goes the same way: all of a device's connections ride one
 * SSH session as channels. A session is set up once, on the pool's executor, however many streams ask for it at
 * the same moment; it is closed when its last lease is returned, and replaced when it has broken (the server went
 * away), so the reconnecting streams of a device set up one new session together. A failed setup is not kept: the
 * next attempt tries again.
 *
 * @param <K> what names a session (login, server, keys)
 * @param <S> the session
 */
final class SessionPool<K, S> implements AutoCloseable {
    /** What the pool needs of sessions: setting one up (blocking), whether it still works, closing it. */
    interface Sessions<K, S> {
        S open(K key) throws IOException;

        boolean alive(S session);

        void close(S session);
    }

    /** One stream's hold on a session; closing it (once) returns it to the pool. */
    final class Lease implements AutoCloseable {
        private final Shared shared;
        private final AtomicBoolean returned = new AtomicBoolean();

        private Lease(Shared shared) {
            this.shared = shared;
        }

        S session() {
            return shared.session.join();
        }

        @Override
        public void close() {
            if (returned.compareAndSet(false, true)) {
                release(shared);
            }
        }
    }

    private final class Shared {
        final K key;
        final CompletableFuture<S> session = new CompletableFuture<>();
        int leases;

        Shared(K key) {
            this.key = key;
        }

        boolean broken() {
            return session.isCompletedExceptionally() || session.isDone() && !sessions.alive(session.join());
        }
    }

    private final Sessions<K, S> sessions;
    private final Executor executor;
    private final Map<K, Shared> byKey = new HashMap<>();
    private boolean closed;

    SessionPool(Sessions<K, S> sessions, Executor executor) {
        this.sessions = sessions;
        this.executor = executor;
    }

    /** A lease on the working session for {@code key}, set up first if there is none; never blocks. */
    CompletableFuture<Lease> acquire(K key) {
        Shared shared;
        boolean setUp = false;
        synchronized (this) {
            if (closed) {
                return CompletableFuture.failedFuture(new IOException("the ssh transport is stopping"));
            }
            shared = byKey.get(key);
            if (shared == null || shared.broken()) {
                shared = new Shared(key);
                byKey.put(key, shared);
                setUp = true;
            }
            shared.leases++;
        }
        if (setUp) {
            Shared starting = shared;
            try {
                executor.execute(() -> {
                    try {
                        starting.session.complete(sessions.open(key));
                    } catch (IOException | RuntimeException e) {
                        starting.session.completeExceptionally(e);
                    }
                });
            } catch (RejectedExecutionException e) {
                starting.session.completeExceptionally(new IOException("the ssh transport is stopping", e));
            }
        }
        Shared held = shared;
        return held.session.handle((session, failure) -> {
            if (failure != null) {
                release(held);
                throw new java.util.concurrent.CompletionException(failure);
            }
            return new Lease(held);
        });
    }

    /** Sessions set up and not yet closed (tests, status). */
    synchronized int size() {
        return byKey.size();
    }

    private void release(Shared shared) {
        synchronized (this) {
            if (--shared.leases > 0) {
                return;
            }
            byKey.remove(shared.key, shared);
        }
        shared.session.thenAccept(sessions::close);
    }

    /** Closes every session (their streams end); later {@link #acquire} calls fail. */
    @Override
    public void close() {
        List<Shared> all;
        synchronized (this) {
            closed = true;
            all = new ArrayList<>(byKey.values());
            byKey.clear();
        }
        for (Shared shared : all) {
            shared.session.thenAccept(sessions::close);
        }
    }
}
