package org.enbd.client.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.control.Status;
import org.enbd.api.control.StatusBoard;
import org.enbd.api.stream.ClientSecurity;
import org.enbd.api.stream.EventLoops;
import org.enbd.api.stream.StreamAddress;
import org.enbd.api.stream.StreamSecurity;
import org.enbd.client.ClientOptions;
import org.enbd.client.TransportResolver;
import org.enbd.protocol.Command;

/** The client engine behind {@link Device}: a dispatcher and its supervisor. */
final class Engine {
    private final Dispatcher dispatcher;
    private final Supervisor supervisor;
    private final Session first;

    private Engine(Dispatcher dispatcher, Supervisor supervisor, Session first) {
        this.dispatcher = dispatcher;
        this.supervisor = supervisor;
        this.first = first;
    }

    /**
     * Connects the first connection (blocking), then keeps the others in the background. For an nbds:// URI the
     * TLS credentials it names are loaded first, here, off the event loops.
     */
    static Engine open(ClientOptions options, TransportResolver transports, ClientSecurity security,
                       EventLoops loops, StatusBoard board, String statusId) throws NbdException {
        StreamSecurity tls;
        try {
            tls = tls(options.uri(), security);
        } catch (NbdException e) {
            reportFailed(board, statusId, e.getMessage());
            throw e;
        }
        Supervisor supervisor = new Supervisor(options, transports, tls, loops, board, statusId);
        Dispatcher dispatcher = new Dispatcher(new Dispatcher.Settings(options.uri().toString(),
                options.stallTimeout().toNanos(), options.deadTime().toNanos(), options.maxInFlight(),
                options.replayLimit()), System::nanoTime, supervisor, options.queueLimit());
        supervisor.bind(dispatcher);
        if (board != null) {
            board.report(Status.of(statusId, "client", Status.State.STARTING, "connecting to " + options.uri()));
        }
        Conn conn;
        try {
            conn = first(supervisor, options);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            NbdException failure = cause instanceof HandshakeFailure f
                    ? new NbdException(f.error(), options.uri() + ": " + f.getMessage())
                    : new NbdException(NbdError.EIO, options.uri() + ": " + cause, cause);
            reportFailed(board, statusId, failure.getMessage());
            dispatcher.recovery.close();
            supervisor.stop();
            throw failure;
        } catch (TimeoutException | InterruptedException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            reportFailed(board, statusId, "no answer from " + options.uri());
            dispatcher.recovery.close();
            supervisor.stop();
            throw new NbdException(NbdError.EIO, "no answer from " + options.uri(), e);
        }
        supervisor.start(conn.session);
        return new Engine(dispatcher, supervisor, conn.session);
    }

    /**
     * The first connection. A server that closes during the TLS handshake is tried again at once, and when it does
     * so {@link HandshakeFailure#TLS_CLOSES_REFUSE} times in a row that is its refusal (a GnuTLS server's answer to
     * a wrong key), not the network's.
     */
    private static Conn first(Supervisor supervisor, ClientOptions options)
            throws ExecutionException, TimeoutException, InterruptedException {
        long timeout = Math.max(2 * options.stallTimeout().toMillis(), 5000) + 5000;
        for (int closes = 1; ; closes++) {
            try {
                return supervisor.connect().get(timeout, TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof HandshakeFailure f) || !f.closedInTls()) {
                    throw e;
                }
                if (closes >= HandshakeFailure.TLS_CLOSES_REFUSE) {
                    throw new ExecutionException(f.refusedAfter(closes));
                }
                Thread.sleep(options.reconnectMin().toMillis());
            }
        }
    }

    /** The credentials an nbds:// URI names, loaded now; null for a URI without TLS. Never plaintext instead. */
    private static StreamSecurity tls(StreamAddress uri, ClientSecurity security) throws NbdException {
        if (!uri.tlsRequired()) {
            return null;
        }
        if (security == null) {
            throw new NbdException(NbdError.EPERM, uri + ": the URI asks for TLS (nbds), and no TLS "
                    + "provider is installed (the transport-ssl bundle)");
        }
        try {
            return security.credentials(uri);
        } catch (java.io.IOException | RuntimeException e) {
            throw new NbdException(NbdError.EINVAL, uri + ": cannot load the TLS credentials: "
                    + e.getMessage(), e);
        }
    }

    /**
     * See {@code RemoteDevice.retarget}: loads the new route's credentials here (blocking, off the event loops),
     * then lets the supervisor move.
     */
    void retarget(StreamAddress uri, ClientSecurity security) throws NbdException {
        supervisor.retarget(uri, tls(uri, security));
    }

    /** See {@code RemoteDevice.reconnect}. */
    int reconnect() {
        int n = dispatcher.recovery.dropAll();
        supervisor.changed();
        return n;
    }

    /** See {@code RemoteDevice.drop}. */
    String drop(int index) {
        return dispatcher.recovery.drop(index);
    }

    /** The server URI the device connects to now. */
    StreamAddress uri() {
        return supervisor.uri();
    }

    private static void reportFailed(StatusBoard board, String id, String why) {
        if (board != null) {
            board.report(Status.of(id, "client", Status.State.FAILED, why));
        }
    }

    /** See {@link Dispatcher#submit}: never waits. */
    CompletableFuture<Object> submit(Command command, long offset, long length, int flags, ByteBuf data,
                                     boolean ownsData, ByteBufAllocator alloc) {
        return dispatcher.submit(command, offset, length, flags, data, ownsData, alloc);
    }

    long size() {
        return dispatcher.size;
    }

    /** Whether the server speaks ENBD-J's extension (the first connection negotiated it). */
    boolean enbdExtension() {
        return first.enbd();
    }

    /** See {@code RemoteDevice.onEvent}: the one listener, which fans out. */
    void onEvent(java.util.function.Consumer<org.enbd.api.layer.ExportEvent> listener) {
        supervisor.onEvent(listener);
    }

    int transmissionFlags() {
        return first.transmissionFlags();
    }

    String exportName() {
        return first.exportName();
    }

    String description() {
        return first.description();
    }

    org.enbd.api.layer.BlockSizes blockSizes() {
        return first.blockSizes();
    }

    /** Whether block status queries reach the server ({@code base:allocation} was negotiated). */
    boolean extents() {
        return first.allocationContext() >= 0;
    }

    int targetConnections() {
        return supervisor.target();
    }

    Status status() {
        return supervisor.status();
    }

    /** See {@code RemoteDevice.onStatus}. */
    void onStatus(java.util.function.Consumer<Status> listener) {
        supervisor.onStatus(listener);
    }

    /** Fails what waits, closes every connection (soft disconnect), stops reconnecting. */
    void close() {
        supervisor.stop();
        for (Conn c : dispatcher.recovery.close()) {
            c.link.disconnect();
        }
        supervisor.changed();
    }
}
