package org.enbd.client;

import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.control.Status;
import org.enbd.api.control.StatusBoard;
import org.enbd.api.layer.Capabilities;
import org.enbd.api.layer.ExportEvent;
import org.enbd.api.layer.Layer;
import org.enbd.api.stream.ClientSecurity;
import org.enbd.api.stream.EventLoops;
import org.enbd.client.internal.Device;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A remote NBD export as a {@link Layer}: ENBD's client device. Requests are pipelined over several connections
 * and survive their failures (see the package documentation).
 *
 * <p>Like every layer it never blocks: each method queues its requests and returns a stage that completes on the
 * engine's event loops, so ENBD-J's server calls it on its own loops (the local endpoint, the kernel relay) with
 * no thread per request. A caller that wants a result at once waits on the stage off any event loop.
 *
 * <p>Buffers: reads complete with a buffer the caller owns (often the bytes as they came off the wire, not a
 * copy). {@link #write} borrows {@code data} until its stage completes, sends it without copying and keeps a
 * retained slice of it for the replay log, so the caller must not change those bytes afterwards (release the
 * buffer, as a decoded request is). {@link #control} borrows its {@code data} the same way.
 *
 * <p>ENBD-J's extension channel: when the server is ENBD-J, the connections negotiate it, {@link #control}
 * carries control messages to the server's stack and the server's events reach {@link #onEvent} listeners. With
 * a standard server (nbdkit, qemu-nbd, nbd-server) nothing of it is on the wire and {@link #control} fails with
 * ENOTSUP at once.
 */
@ProviderType
public interface RemoteDevice extends Layer {

    /**
     * Connects to {@code options.uri()} and returns once the first connection has finished its handshake; the
     * other connections open in the background. Blocks: call it off any event loop.
     *
     * @param transports finds the transport for the URI's scheme (asked again on each reconnect)
     * @param security   the TLS provider for an {@code nbds://} URI (the credentials it names are loaded here, and
     *                   every connection and reconnect runs TLS with them); may be null for other URIs, and an
     *                   {@code nbds://} URI without one fails at once: never plaintext instead
     * @param loops      the framework's event loops (the engine's timers run there too)
     * @param status     where the device reports UP / DEGRADED / DOWN / FAILED; may be null
     * @param statusId   the id it reports under (the configuration's service.pid)
     * @throws NbdException with a message naming the server and the reason when the first connection fails:
     *                      refused, no such export, TLS or policy refusal (a server certificate of another CA or
     *                      expired, a server without TLS), credentials that do not load, no transport for the
     *                      scheme
     */
    static RemoteDevice open(ClientOptions options, TransportResolver transports, ClientSecurity security,
                             EventLoops loops, StatusBoard status, String statusId) throws NbdException {
        return Device.open(options, transports, security, loops, status, statusId);
    }

    /** {@link #open(ClientOptions, TransportResolver, ClientSecurity, EventLoops, StatusBoard, String)} without TLS. */
    static RemoteDevice open(ClientOptions options, TransportResolver transports, EventLoops loops,
                             StatusBoard status, String statusId) throws NbdException {
        return open(options, transports, null, loops, status, statusId);
    }

    /**
     * {@link #open}, retried while the failure is the network's (EIO), with a delay doubling from 100 ms up to
     * {@link ClientOptions#reconnectMax()}: what a component does that must come up whenever the server does.
     *
     * @param stopped  asked before each attempt; true ends the wait
     * @param retrying told of each network failure before the wait
     * @return the device, or null when stopped or interrupted (the interrupt flag stays set)
     * @throws NbdException when the server refuses (unknown export, TLS or policy): retrying cannot help
     */
    static RemoteDevice openRetrying(ClientOptions options, TransportResolver transports, ClientSecurity security,
                                     EventLoops loops, StatusBoard status, String statusId, BooleanSupplier stopped,
                                     Consumer<NbdException> retrying) throws NbdException {
        long delay = 100;
        while (!stopped.getAsBoolean()) {
            try {
                return open(options, transports, security, loops, status, statusId);
            } catch (NbdException e) {
                if (e.error() != NbdError.EIO) {
                    throw e;
                }
                retrying.accept(e);
                try {
                    Thread.sleep(delay);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return null;
                }
                delay = Math.min(delay * 2, options.reconnectMax().toMillis());
            }
        }
        return null;
    }

    /**
     * {@link #openRetrying(ClientOptions, TransportResolver, ClientSecurity, EventLoops, StatusBoard, String,
     * BooleanSupplier, Consumer)} without TLS.
     */
    static RemoteDevice openRetrying(ClientOptions options, TransportResolver transports, EventLoops loops,
                                     StatusBoard status, String statusId, BooleanSupplier stopped,
                                     Consumer<NbdException> retrying) throws NbdException {
        return openRetrying(options, transports, null, loops, status, statusId, stopped, retrying);
    }

    /** The export's size as last seen: the handshake's, then what the server's events or reconnects said. */
    @Override
    long size();

    /** Derived once from the first connection's transmission flags and block sizes. */
    @Override
    Capabilities capabilities();

    /** The transmission flags the server sent for the export (first connection). */
    int transmissionFlags();

    /** The export's name as the server calls it. */
    String exportName();

    /** The server's description of the export, or "". */
    String description();

    /** Connections the device keeps open (after auto-selection). */
    int connections();

    /** Whether the server speaks ENBD-J's extension channel (its first connection negotiated it). */
    boolean enbdExtension();

    /** The device's state now: connections, reconnects, retracted requests. */
    Status status();

    /**
     * Tells {@code listener} the device's status now and on every change after (connections lost or back,
     * counters), on whichever thread made the change; it must not block. One listener: a second replaces it.
     */
    void onStatus(Consumer<Status> listener);

    /**
     * Tells {@code listener} of each event about the export until the handle is closed: what the server pushes
     * over ENBD's extension (size or medium changed), and a new size seen when connections come back after an
     * outage. Called on the engine's event loops; it must not block.
     */
    AutoCloseable onEvent(Consumer<ExportEvent> listener);

    /**
     * Drops every connection with a reset, as a network failure would: their requests are retracted and wait for
     * the connections the device opens again at once (writes acknowledged and not yet flushed are replayed, as
     * after any outage). A user's action ({@code reconnect}); never waits.
     *
     * @return how many connections were dropped
     */
    int reconnect();

    /**
     * Drops one connection with a reset, as a network failure would: its requests go to the other connections (or
     * wait for its replacement, which opens at once). A user's action ({@code drop}); never waits.
     *
     * @param index the connection, 0 to {@code status()}'s {@code connections} - 1, in the order they came up
     * @return the dropped connection's name, or null when there is no such connection
     */
    String drop(int index);

    /**
     * Moves the device to another server URI (another host or port, or {@code nbd://} to {@code nbds://}) without
     * failing a request: connections to {@code uri} open, and the first one up retires the old connections, whose
     * requests are retracted onto the new ones (the drain); until then the old ones keep serving. A refusal by the
     * new server is retried while old connections serve. The export's size and flags stay those of the first
     * handshake. Loads the TLS credentials {@code uri} names here: call it off any event loop.
     *
     * @param security the TLS provider for an {@code nbds://} URI; may be null for others
     * @throws NbdException an {@code nbds://} URI without a provider, or credentials that do not load; the device
     *                      stays where it was
     */
    void retarget(org.enbd.api.stream.StreamAddress uri, ClientSecurity security) throws NbdException;

    /** The server URI the device connects to now (the last {@link #retarget}'s, else the options'). */
    org.enbd.api.stream.StreamAddress uri();

    /** Waits for nothing more: fails what is outstanding, disconnects every connection, stops reconnecting. */
    @Override
    void close();
}
