package org.enbd.client.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;
import org.enbd.api.NbdError;
import org.enbd.api.control.Status;
import org.enbd.api.control.StatusBoard;
import org.enbd.api.layer.ExportEvent;
import org.enbd.api.stream.EventLoops;
import org.enbd.api.stream.PermanentStreamFailure;
import org.enbd.api.stream.StreamAddress;
import org.enbd.api.stream.StreamSecurity;
import org.enbd.api.stream.Transport;
import org.enbd.client.ClientOptions;
import org.enbd.client.TransportResolver;
import org.enbd.protocol.handshake.ClientHandshakeDecoder;
import org.enbd.protocol.handshake.HandshakeEncoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ENBD's master daemon: keeps the wanted number of connections open. Opens them through the transport that
 * serves the URI's scheme, runs each handshake, hands finished connections to the dispatcher, and when one dies
 * opens another after an exponential backoff with jitter. While no connection is up it probes with one attempt at
 * a time; once one succeeds the rest open together. Reports the device's state to the status board.
 */
final class Supervisor implements Dispatcher.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(Supervisor.class);

    /**
     * Where connections open: the server URI and the TLS credentials loaded for an nbds:// URI (each connection
     * gets a handler of its own), or null; {@code generation} numbers the routes (see {@link #retarget}).
     */
    private record Route(StreamAddress uri, StreamSecurity tls, int generation) {
    }

    private final ClientOptions options;
    private final TransportResolver transports;
    private volatile Route route;
    private final EventLoops loops;
    private final StatusBoard board;
    private final String statusId;
    private final Backoff backoff;
    private final AtomicInteger connectionNames = new AtomicInteger();
    private Dispatcher dispatcher;
    private int target;
    private int connecting;
    private boolean retryScheduled;
    /** The last connection lost broke the protocol: reconnects back off until one ends cleanly. */
    private boolean violated;
    private boolean stopped;
    private long reconnects;
    /** Attempts in a row that the server ended by closing during the TLS handshake. */
    private int tlsCloses;
    private String lastFailure = "";
    private ScheduledFuture<?> ticker;
    /** Told each new status after the board (the local endpoint follows its device's state). */
    private volatile java.util.function.Consumer<Status> statusListener;
    /** Told each event about the export (pushed by the server, or a new size after a restart). */
    private volatile java.util.function.Consumer<ExportEvent> eventListener = event -> { };

    Supervisor(ClientOptions options, TransportResolver transports, StreamSecurity tls, EventLoops loops,
               StatusBoard board, String statusId) {
        this.options = options;
        this.transports = transports;
        this.route = new Route(options.uri(), tls, 0);
        this.loops = loops;
        this.board = board;
        this.statusId = statusId;
        this.backoff = new Backoff(options.reconnectMin(), options.reconnectMax(), RandomGenerator.getDefault());
    }

    void bind(Dispatcher d) {
        this.dispatcher = d;
    }

    /**
     * Moves the device to another server (or the same one by another transport) without failing a request: new
     * connections open to {@code uri} with {@code tls}; the first that comes up retires the old ones, whose
     * requests are retracted onto the new (writes keep their ranges as ghosts until the old copy is answered), and
     * the rest open after it. Until a new connection is up the old ones keep serving.
     */
    void retarget(StreamAddress uri, StreamSecurity tls) {
        StreamAddress from;
        synchronized (this) {
            from = route.uri();
            int generation = route.generation() + 1;
            dispatcher.lock.lock(); // before the route: a new connection must find its generation current
            try {
                dispatcher.generation = generation;
            } finally {
                dispatcher.lock.unlock();
            }
            route = new Route(uri, tls, generation);
            backoff.reset();
            lastFailure = "";
        }
        LOG.info("{}: moving to {}", from, uri);
        pump();
        changed();
    }

    /** The server URI connections open to now. */
    StreamAddress uri() {
        return route.uri();
    }

    /** Opens one connection through to transmission; completes with its connection or the failure. */
    CompletableFuture<Conn> connect() {
        CompletableFuture<Conn> out = new CompletableFuture<>();
        Route to = route;
        Optional<Transport> transport = transports.forScheme(to.uri().scheme());
        if (transport.isEmpty()) {
            out.completeExceptionally(new HandshakeFailure(false, NbdError.EIO, "no transport serves "
                    + to.uri().scheme() + "://"));
            return out;
        }
        String name = to.uri().endpoint() + "#" + connectionNames.incrementAndGet();
        CompletableFuture<Session> session = new CompletableFuture<>();
        ChannelHandler init = new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ClientHandshakeDecoder decoder = new ClientHandshakeDecoder();
                ch.pipeline().addLast("handshake-encoder", new HandshakeEncoder());
                ch.pipeline().addLast("handshake-decoder", decoder);
                ch.pipeline().addLast("handshake", new ClientHandshake(to.uri().exportName(),
                        to.uri().tlsRequired(), to.tls(), to.uri().host(), decoder, session));
                NbdConnection link = new NbdConnection(ch, dispatcher, name);
                session.whenComplete((s, err) -> {
                    if (err != null) {
                        out.completeExceptionally(err);
                        ch.close();
                        return;
                    }
                    link.install(Math.max(options.maxPayload() + 4160, (8 << 20) + 64));
                    Conn c = dispatcher.recovery.attach(link, s, to.generation());
                    link.attached(c);
                    out.complete(c);
                });
            }
        };
        transport.get().connect(to.uri(), init).whenComplete((ch, err) -> {
            if (err != null) {
                // a transport may fail before it made a channel (no initChannel ran): the attempt ends here too
                Throwable cause = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
                boolean permanent = PermanentStreamFailure.in(cause) != null;
                HandshakeFailure failure = new HandshakeFailure(permanent, permanent ? NbdError.EPERM : NbdError.EIO,
                        "cannot connect to " + to.uri() + ": " + cause.getMessage());
                session.completeExceptionally(failure);
                out.completeExceptionally(failure);
                return;
            }
            long timeout = Math.max(2 * options.stallTimeout().toMillis(), 5000);
            ch.eventLoop().schedule(() -> {
                if (session.completeExceptionally(new HandshakeFailure(false, NbdError.EIO, "no handshake from "
                        + to.uri() + " within " + timeout + " ms"))) {
                    ch.close();
                }
            }, timeout, TimeUnit.MILLISECONDS);
        });
        return out;
    }

    /** After the first connection: decide how many to keep, start the ticker and open the rest. */
    synchronized void start(Session first) {
        target = options.connections() > 0 ? options.connections() : first.multiConn() ? 4 : 1;
        if (target > 1 && !first.multiConn()) {
            LOG.warn("{}: server does not advertise CAN_MULTI_CONN; using {} connections as asked, flushing each",
                    route.uri(), target);
        }
        long period = Math.clamp(options.stallTimeout().toMillis() / 4, 10, 500);
        ticker = loops.group().next().scheduleAtFixedRate(dispatcher.recovery::tick, period, period,
                TimeUnit.MILLISECONDS);
        pump();
        changed();
    }

    int target() {
        return target;
    }

    /** Opens what is missing: one probe at a time while nothing is up, all at once otherwise. */
    private synchronized void pump() {
        if (stopped || retryScheduled || dispatcher.fatal != null) {
            return;
        }
        int live = liveCount();
        int missing = target - live - connecting;
        if (live == 0) {
            missing = connecting == 0 ? Math.min(1, missing) : 0;
        }
        for (int i = 0; i < missing; i++) {
            connecting++;
            reconnects++;
            connect().whenComplete((c, err) -> attemptDone(err));
        }
    }

    private void attemptDone(Throwable err) {
        Throwable cause = err instanceof java.util.concurrent.CompletionException ? err.getCause() : err;
        synchronized (this) {
            connecting--;
            tlsCloses = cause instanceof HandshakeFailure f && f.closedInTls() ? tlsCloses + 1 : 0;
            if (tlsCloses >= HandshakeFailure.TLS_CLOSES_REFUSE) {
                cause = ((HandshakeFailure) cause).refusedAfter(tlsCloses);
            }
            if (cause == null) {
                if (!violated) {
                    backoff.reset(); // a handshake is no proof: after a violation only a clean loss resets it
                }
            } else if (cause instanceof HandshakeFailure f && f.fatal() && !moving()) {
                LOG.error("{}: {}; giving up", route.uri(), f.getMessage());
                lastFailure = f.getMessage();
                dispatcher.recovery.fatal(f.getMessage());
                return;
            } else {
                lastFailure = cause == null ? "" : cause.getMessage();
                long delay = backoff.nextDelayNanos();
                if (cause instanceof HandshakeFailure f && f.fatal()) {
                    // a refusal by the server the device moves to: the old connections serve on meanwhile
                    LOG.error("{}: {}; the device stays on its old connections and tries again", route.uri(),
                            f.getMessage());
                }
                LOG.debug("{}: reconnect failed ({}); next try in {} ms", route.uri(), lastFailure, delay / 1_000_000);
                retryScheduled = true;
                loops.group().next().schedule(() -> {
                    synchronized (this) {
                        retryScheduled = false;
                    }
                    pump();
                }, delay, TimeUnit.NANOSECONDS);
            }
        }
        pump();
        changed();
    }

    /** Whether live connections of an older route still serve while the device moves to the current one. */
    private boolean moving() {
        int generation = route.generation();
        dispatcher.lock.lock();
        try {
            return dispatcher.live.stream().anyMatch(c -> c.generation < generation);
        } finally {
            dispatcher.lock.unlock();
        }
    }

    /** Live connections of the current route (old ones, still serving during a move, are not counted). */
    private int liveCount() {
        int generation = route.generation();
        dispatcher.lock.lock();
        try {
            int n = 0;
            for (Conn c : dispatcher.live) {
                if (c.generation == generation) {
                    n++;
                }
            }
            return n;
        } finally {
            dispatcher.lock.unlock();
        }
    }

    /**
     * A connection went away: its replacement opens at once, unless the server broke the protocol on it; then it
     * waits the backoff, growing with each violation in a row, so a server that breaks every connection it
     * accepts gets a reconnect now and then rather than a storm.
     */
    @Override
    public void connectionLost(Conn conn) {
        if (stopped) {
            return;
        }
        if (!conn.violated) {
            synchronized (this) {
                violated = false;
            }
            loops.group().next().execute(this::pump);
            return;
        }
        long delay;
        synchronized (this) {
            violated = true;
            if (retryScheduled) {
                return;
            }
            retryScheduled = true;
            delay = backoff.nextDelayNanos();
        }
        loops.group().next().schedule(() -> {
            synchronized (this) {
                retryScheduled = false;
            }
            pump();
        }, delay, TimeUnit.NANOSECONDS);
    }

    @Override
    public void changed() {
        java.util.function.Consumer<Status> l = statusListener;
        if (board == null && l == null) {
            return;
        }
        Status s = status();
        if (board != null) {
            board.report(s);
        }
        if (l != null) {
            l.accept(s);
        }
    }

    @Override
    public void event(ExportEvent event) {
        eventListener.accept(event);
    }

    /** Sets who is told the export's events (one listener). */
    void onEvent(java.util.function.Consumer<ExportEvent> listener) {
        eventListener = listener;
    }

    /** Sets who is told every status change (one listener), and tells it the status now. */
    void onStatus(java.util.function.Consumer<Status> listener) {
        statusListener = listener;
        listener.accept(status());
    }

    Status status() {
        Dispatcher d = dispatcher;
        Map<String, Object> a = new HashMap<>();
        int live;
        Status.State state;
        String detail;
        // lock order: the supervisor's monitor before the dispatcher's lock (pump), never the other way
        long attempts;
        String failure;
        Route to;
        synchronized (this) {
            attempts = reconnects;
            failure = lastFailure;
            to = route;
        }
        StreamAddress uri = to.uri();
        d.lock.lock();
        try {
            live = d.live.size();
            long old = d.live.stream().filter(c -> c.generation < to.generation()).count();
            a.put("uri", uri.toString());
            a.put("tls", to.tls() != null);
            a.put("moves", (long) to.generation());
            a.put("connections", live);
            a.put("targetConnections", target);
            a.put("retiredConnections", d.retired.size());
            a.put("queued", d.queue.size());
            a.put("retracted", d.recovery.retracted);
            a.put("resubmitted", d.recovery.resubmitted);
            a.put("connectionsLost", d.recovery.connectionsLost);
            a.put("replayed", d.log.replayed());
            a.put("unflushedBytes", d.log.bytes());
            a.put("unansweredWrites", d.unanswered);
            if (d.first != null) {
                a.put("export", d.first.exportName());
                a.put("size", d.size);
                a.put("enbdExtension", d.first.enbd());
            }
            a.put("reconnects", attempts);
            if (d.closed) {
                state = Status.State.STOPPED;
                detail = "closed";
            } else if (d.fatal != null) {
                state = Status.State.FAILED;
                detail = d.fatal;
            } else if (live == 0) {
                state = Status.State.DOWN;
                detail = "no connection to " + uri + (failure.isEmpty() ? "" : ": " + failure)
                        + (d.dead ? " (requests fail with EIO)" : "; requests wait");
            } else if (old > 0) {
                state = Status.State.DEGRADED;
                detail = "moving to " + uri + ": " + old + " old connection" + (old == 1 ? "" : "s")
                        + " serve meanwhile" + (failure.isEmpty() ? "" : "; " + failure);
            } else if (live < target) {
                state = Status.State.DEGRADED;
                detail = live + " of " + target + " connections to " + uri;
            } else {
                state = Status.State.UP;
                detail = live + " connection" + (live == 1 ? "" : "s") + " to " + uri;
            }
        } finally {
            d.lock.unlock();
        }
        return new Status(statusId, "client", state, detail, a, null);
    }

    void stop() {
        synchronized (this) {
            stopped = true;
            if (ticker != null) {
                ticker.cancel(false);
            }
        }
    }
}
