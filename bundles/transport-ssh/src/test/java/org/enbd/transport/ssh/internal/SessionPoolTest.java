package org.enbd.transport.ssh.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class SessionPoolTest {
    /** A session of the test: alive until it is told it broke; counts its closes. */
    static final class FakeSession {
        boolean alive = true;
        int closes;
    }

    /** Sessions set up on demand; setups run when the test says (the executor queues them). */
    static final class FakeSessions implements SessionPool.Sessions<String, FakeSession> {
        final List<FakeSession> opened = new ArrayList<>();
        IOException failNext;

        @Override
        public FakeSession open(String key) throws IOException {
            if (failNext != null) {
                IOException e = failNext;
                failNext = null;
                throw e;
            }
            FakeSession s = new FakeSession();
            opened.add(s);
            return s;
        }

        @Override
        public boolean alive(FakeSession session) {
            return session.alive;
        }

        @Override
        public void close(FakeSession session) {
            session.closes++;
        }
    }

    private final Queue<Runnable> setups = new ArrayDeque<>();
    private final FakeSessions sessions = new FakeSessions();
    private final SessionPool<String, FakeSession> pool = new SessionPool<>(sessions, setups::add);

    private void runSetups() {
        while (!setups.isEmpty()) {
            setups.poll().run();
        }
    }

    @Test
    void streamsAskingTogetherShareOneSetup() {
        CompletableFuture<SessionPool<String, FakeSession>.Lease> a = pool.acquire("alice@host");
        CompletableFuture<SessionPool<String, FakeSession>.Lease> b = pool.acquire("alice@host");
        assertFalse(a.isDone(), "acquire never waits for the setup");
        assertEquals(1, setups.size());
        runSetups();
        assertSame(a.join().session(), b.join().session());
        assertEquals(1, sessions.opened.size());
    }

    @Test
    void theSessionClosesWithItsLastLease() {
        var a = pool.acquire("k");
        var b = pool.acquire("k");
        runSetups();
        a.join().close();
        a.join().close(); // a lease returns once
        assertEquals(0, sessions.opened.get(0).closes);
        b.join().close();
        assertEquals(1, sessions.opened.get(0).closes);
        assertEquals(0, pool.size());
    }

    @Test
    void aBrokenSessionIsReplacedAndClosedWhenItsOldStreamsAreGone() {
        var old = pool.acquire("k");
        runSetups();
        FakeSession first = old.join().session();
        first.alive = false; // the server went away
        var fresh = pool.acquire("k");
        runSetups();
        assertNotSame(first, fresh.join().session());
        old.join().close();
        assertEquals(1, first.closes);
        assertEquals(0, fresh.join().session().closes, "the old lease does not close the new session");
        assertEquals(1, pool.size());
    }

    @Test
    void aFailedSetupFailsItsWaitersAndIsNotKept() {
        sessions.failNext = new IOException("connection refused");
        var a = pool.acquire("k");
        var b = pool.acquire("k");
        runSetups();
        assertTrue(a.isCompletedExceptionally());
        assertTrue(b.isCompletedExceptionally());
        assertEquals(0, pool.size());
        var again = pool.acquire("k");
        runSetups();
        assertEquals(1, sessions.opened.size(), "the next attempt sets up a session again");
        again.join().close();
    }

    @Test
    void closingThePoolClosesItsSessionsAndRefusesNewLeases() {
        var a = pool.acquire("k");
        runSetups();
        pool.close();
        assertEquals(1, a.join().session().closes);
        assertTrue(pool.acquire("k").isCompletedExceptionally());
    }
}
