package org.enbd.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.layer.Capabilities;
import org.enbd.api.layer.Export;
import org.enbd.api.layer.ExportContext;
import org.enbd.api.layer.ExportEvent;
import org.enbd.api.layer.ExtentSink;
import org.enbd.api.layer.ForwardingLayer;
import org.enbd.api.layer.Layer;
import org.enbd.api.layer.SessionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An export whose feature stack is replaced while its clients stay connected: ENBD's "requests retracted and
 * handed on" applied to a plug-in that goes away (../shared/docs/hotswap-notes.md, drain-then-switch).
 *
 * <p>Every connection's layer is a {@code Session} that passes requests to that connection's chain of the current
 * stack and counts the ones inside it. {@link #suspend} (a feature of the stack is going away: called from the
 * unbind, while the leaving feature still works) makes new requests wait, waits until the requests inside the
 * old chains have completed, then closes those chains and detaches the old stack. {@link #restack} attaches the
 * new stack, opens a chain for every connection and lets the waiting requests go on through it. Clients see a pause, never an error, and no connection is dropped. The backend is shared by every stack
 * and closed only with the export.
 *
 * <p>A connection keeps what it negotiated (size, flags) when the stack changes: a stack whose size differs
 * reports it as an event, as a backend that grows does. The request path takes no lock: a chain's count is an
 * atomic, and a request completed at once (memory, page cache) costs two atomic operations and no allocation.
 */
public final class RestackableExport implements Export, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RestackableExport.class);
    /** How long a new connection waits for a stack while the export is between two. */
    private static final Duration OPEN_WAIT = Duration.ofSeconds(10);

    private final ExportContext context;
    private final String description;
    private final Layer backend;
    private final ExportEventHub events;
    private final String label;
    private final Set<Session> sessions = ConcurrentHashMap.newKeySet();
    /** Guards the changes of stack (suspend, restack, open, close); never taken on the request path. */
    private final Object changes = new Object();
    private LayeredExport current;
    /** The features of {@code current}, readable without the lock (handshakes ask on the event loop). */
    private volatile List<StackEntry> inUse;
    private boolean closed;

    /**
     * @param backend  the shared backend; this export closes it in {@link #close()}
     * @param features the first stack, outermost first
     * @throws NbdException when the first stack cannot be attached; the backend is not closed then
     */
    public RestackableExport(ExportContext context, String description, Layer backend, List<StackEntry> features,
                             ExportEventHub events) throws NbdException {
        this.context = Objects.requireNonNull(context, "context");
        this.description = description == null ? "" : description;
        this.backend = Objects.requireNonNull(backend, "backend");
        this.events = Objects.requireNonNull(events, "events");
        this.label = context.exportName().isEmpty() ? "default export" : "export '" + context.exportName() + "'";
        this.current = attach(features);
        this.inUse = current.features();
    }

    @Override
    public ExportContext context() {
        return context;
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public AutoCloseable events(Consumer<ExportEvent> listener) {
        return events.subscribe(listener);
    }

    /** Where this export's events are published. */
    public ExportEventHub eventHub() {
        return events;
    }

    /** The stack in use, outermost first; null while suspended. */
    public List<StackEntry> features() {
        return inUse;
    }

    /** Connections open on the export now. */
    public int connections() {
        return sessions.size();
    }

    /**
     * Holds new requests, waits (at most {@code drain}) for those inside the current stack to complete, then
     * closes every connection's chain and detaches the stack. Blocks: call it off the event loops, while the
     * features of the stack still work (a DS unbind runs before the leaving component is deactivated).
     *
     * @return the requests that were still inside the old stack when {@code drain} ran out (0 when all drained)
     */
    public int suspend(Duration drain) throws InterruptedException {
        synchronized (changes) {
            if (current == null || closed) {
                return 0;
            }
            LayeredExport old = current;
            current = null;
            inUse = null;
            long start = System.nanoTime();
            List<Chain> leaving = new ArrayList<>();
            for (Session s : sessions) {
                Chain c = s.detach();
                if (c != null) {
                    leaving.add(c);
                }
            }
            int stuck = 0;
            long deadline = start + drain.toNanos();
            for (Chain c : leaving) {
                try {
                    c.drained.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (TimeoutException e) {
                    stuck += c.inside();
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new IllegalStateException(e); // never completed exceptionally
                }
                c.closeLayer();
            }
            old.close();
            LOG.info("{}: stack {} suspended for {} connection(s), drained in {} ms{}", label, names(old.features()),
                    leaving.size(), (System.nanoTime() - start) / 1_000_000,
                    stuck == 0 ? "" : "; " + stuck + " request(s) still inside after " + drain.toMillis() + " ms");
            return stuck;
        }
    }

    /**
     * Attaches {@code features} as the new stack (suspending the current one first if there is one), opens a chain
     * for every connection, and lets the requests that waited go on through it. Blocks: call it off the event
     * loops. A connection whose chain cannot be opened fails its requests with EIO from then on.
     *
     * @throws NbdException when the stack cannot be attached (the export stays suspended)
     */
    public void restack(List<StackEntry> features, Duration drain) throws NbdException, InterruptedException {
        synchronized (changes) {
            if (closed) {
                throw new NbdException(NbdError.ESHUTDOWN, label + " is closed");
            }
            if (current != null) {
                suspend(drain);
            }
            LayeredExport next = attach(features);
            for (Session s : sessions) {
                try {
                    s.install(new Chain(next.open(s.session)));
                } catch (NbdException | RuntimeException e) {
                    LOG.warn("{}: a connection cannot open the new stack {}: {}", label, names(features),
                            e.getMessage());
                    s.fail(e);
                }
            }
            current = next;
            inUse = next.features();
            changes.notifyAll();
            LOG.info("{}: stack {} in use by {} connection(s)", label, names(features), sessions.size());
        }
    }

    @Override
    public Layer open(SessionContext session) throws NbdException {
        synchronized (changes) {
            long deadline = System.nanoTime() + OPEN_WAIT.toNanos();
            while (current == null && !closed) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new NbdException(NbdError.ESHUTDOWN, label + " is waiting for its features");
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(changes, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new NbdException(NbdError.ESHUTDOWN, label + ": interrupted while waiting for a stack");
                }
            }
            if (closed) {
                throw new NbdException(NbdError.ESHUTDOWN, label + " is closed");
            }
            Session s = new Session(session);
            s.install(new Chain(current.open(session)));
            sessions.add(s);
            LOG.debug("{}: connection from {} opened ({} open)", label, session.peer(), sessions.size());
            return s;
        }
    }

    /** Detaches the stack and closes the shared backend; connections still open close their own chains. */
    @Override
    public void close() {
        synchronized (changes) {
            if (closed) {
                return;
            }
            closed = true;
            changes.notifyAll();
            if (current != null) {
                current.close();
                current = null;
                inUse = null;
            }
        }
        backend.close();
    }

    private LayeredExport attach(List<StackEntry> features) throws NbdException {
        return new LayeredExport(context, description, new SharedBackend(backend), features, events);
    }

    private static String names(List<StackEntry> features) {
        return features.isEmpty() ? "(none)" : String.join("+", features.stream().map(StackEntry::name).toList());
    }

    /** The backend as one stack sees it: closing the stack leaves it open for the next one. */
    private static final class SharedBackend extends ForwardingLayer {
        SharedBackend(Layer backend) {
            super(backend);
        }
    }

    /** One connection's layers of one stack, and the requests inside them. */
    private static final class Chain {
        /** Added to the count when the chain closes for entry: a negative count admits nothing. */
        private static final int CLOSED = 1 << 30;

        final Layer layer;
        final AtomicInteger count = new AtomicInteger();
        final CompletableFuture<Void> drained = new CompletableFuture<>();
        private final AtomicBoolean layerClosed = new AtomicBoolean();
        private final AtomicBoolean entryClosed = new AtomicBoolean();

        Chain(Layer layer) {
            this.layer = layer;
        }

        /** Closes the connection's layers of this stack, once (a suspend and the connection's close may race). */
        void closeLayer() {
            if (layerClosed.compareAndSet(false, true)) {
                layer.close();
            }
        }

        boolean enter() {
            while (true) {
                int n = count.get();
                if (n < 0) {
                    return false;
                }
                if (count.compareAndSet(n, n + 1)) {
                    return true;
                }
            }
        }

        <T> CompletionStage<T> exit(CompletionStage<T> stage) {
            if (stage instanceof CompletableFuture<T> f && f.isDone()) {
                leave();
            } else {
                stage.whenComplete((ok, failure) -> leave());
            }
            return stage;
        }

        private void leave() {
            if (count.decrementAndGet() == -CLOSED) {
                drained.complete(null);
            }
        }

        /** Admits no more requests; {@link #drained} completes once those inside have left. */
        void close() {
            if (entryClosed.compareAndSet(false, true) && count.addAndGet(-CLOSED) == -CLOSED) {
                drained.complete(null);
            }
        }

        int inside() {
            return count.get() + CLOSED;
        }
    }

    /** The layer one connection holds for its whole life, whatever stack is in use. */
    private final class Session implements Layer {
        final SessionContext session;
        private volatile Chain chain;
        /** Completed with the next chain; replaced each time the chain is detached. */
        private volatile CompletableFuture<Chain> next = new CompletableFuture<>();
        private final AtomicBoolean closedSession = new AtomicBoolean();

        Session(SessionContext session) {
            this.session = session;
        }

        /** Installs the next chain; the requests that waited go on on this thread, outside the session's lock. */
        void install(Chain c) {
            CompletableFuture<Chain> waited;
            synchronized (this) { // short: against detach and close, never held while a request runs
                if (closedSession.get()) { // closed while the stack was being opened for it
                    c.close();
                    c.closeLayer();
                    return;
                }
                chain = c;
                waited = next;
            }
            waited.complete(c);
        }

        void fail(Exception e) {
            next.completeExceptionally(new NbdException(NbdError.EIO, label + ": the connection lost its stack: "
                    + e.getMessage(), e));
        }

        /** Closes the chain for entry (requests from now on wait for the next); returns it, to be drained. */
        synchronized Chain detach() {
            Chain c = chain;
            if (c == null) {
                return null; // already between two stacks: the requests waiting keep their future
            }
            next = new CompletableFuture<>(); // before the chain closes: a request turned away finds it
            chain = null;
            c.close();
            return c;
        }

        /** A request that found no chain open: it goes on when the next one is installed, on that thread. */
        private <T> CompletionStage<T> later(Function<Layer, CompletionStage<T>> request) {
            return next.thenCompose(n -> {
                Chain c = chain;
                if (c != null && c.enter()) {
                    return c.exit(request.apply(c.layer));
                }
                return later(request); // detached again before it got in
            });
        }

        @Override
        public long size() throws NbdException {
            return chain().layer.size();
        }

        @Override
        public Capabilities capabilities() throws NbdException {
            return chain().layer.capabilities();
        }

        private Chain chain() throws NbdException {
            Chain c = chain;
            if (c == null) {
                throw new NbdException(NbdError.ESHUTDOWN, label + " is between two stacks");
            }
            return c;
        }

        @Override
        public CompletionStage<ByteBuf> read(long offset, int length, int flags, ByteBufAllocator alloc) {
            Chain c = chain;
            if (c != null && c.enter()) {
                return c.exit(c.layer.read(offset, length, flags, alloc));
            }
            return later(l -> l.read(offset, length, flags, alloc));
        }

        @Override
        public CompletionStage<Void> write(long offset, ByteBuf data, int flags) {
            Chain c = chain;
            if (c != null && c.enter()) {
                return c.exit(c.layer.write(offset, data, flags));
            }
            return later(l -> l.write(offset, data, flags));
        }

        @Override
        public CompletionStage<Void> flush(int flags) {
            Chain c = chain;
            if (c != null && c.enter()) {
                return c.exit(c.layer.flush(flags));
            }
            return later(l -> l.flush(flags));
        }

        @Override
        public CompletionStage<Void> trim(long offset, long length, int flags) {
            Chain c = chain;
            if (c != null && c.enter()) {
                return c.exit(c.layer.trim(offset, length, flags));
            }
            return later(l -> l.trim(offset, length, flags));
        }

        @Override
        public CompletionStage<Void> zero(long offset, long length, int flags) {
            Chain c = chain;
            if (c != null && c.enter()) {
                return c.exit(c.layer.zero(offset, length, flags));
            }
            return later(l -> l.zero(offset, length, flags));
        }

        @Override
        public CompletionStage<Void> extents(long offset, long length, int flags, ExtentSink sink) {
            Chain c = chain;
            if (c != null && c.enter()) {
                return c.exit(c.layer.extents(offset, length, flags, sink));
            }
            return later(l -> l.extents(offset, length, flags, sink));
        }

        @Override
        public CompletionStage<Void> cache(long offset, long length, int flags) {
            Chain c = chain;
            if (c != null && c.enter()) {
                return c.exit(c.layer.cache(offset, length, flags));
            }
            return later(l -> l.cache(offset, length, flags));
        }

        @Override
        public CompletionStage<ByteBuf> control(int type, ByteBuf data, ByteBufAllocator alloc) {
            Chain c = chain;
            if (c != null && c.enter()) {
                return c.exit(c.layer.control(type, data, alloc));
            }
            return later(l -> l.control(type, data, alloc));
        }

        /** The connection closed (on its event loop, perhaps): takes no lock, never waits for a change of stack. */
        @Override
        public void close() {
            if (!closedSession.compareAndSet(false, true)) {
                return;
            }
            sessions.remove(this);
            LOG.debug("{}: connection from {} closed ({} open)", label, session.peer(), sessions.size());
            Chain c;
            CompletableFuture<Chain> waitedFor;
            synchronized (this) {
                c = detach();
                waitedFor = next;
            }
            if (c != null) {
                c.closeLayer();
            }
            waitedFor.completeExceptionally(new NbdException(NbdError.ESHUTDOWN, "the connection closed"));
        }
    }
}
