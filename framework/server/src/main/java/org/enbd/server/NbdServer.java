package org.enbd.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import java.io.IOException;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.enbd.api.stream.Listener;
import org.enbd.api.stream.StreamAddress;
import org.enbd.api.stream.StreamSecurity;
import org.enbd.api.stream.Transport;
import org.enbd.protocol.handshake.HandshakeEncoder;
import org.enbd.protocol.handshake.ServerHandshakeDecoder;
import org.enbd.server.internal.ConnectionLog;
import org.enbd.server.internal.HandshakeHandler;
import org.enbd.server.internal.HandshakeSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An NBD server: serves the exports of an {@link ExportDirectory} on any number of listeners, each over a
 * {@link Transport}. Plain Java; the listener component wraps it for OSGi.
 *
 * <p>{@link #close()} drains: listeners stop accepting, connections still in the handshake are closed, and
 * connections in transmission finish the requests they have (later ones get ESHUTDOWN) before they close.
 */
public final class NbdServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NbdServer.class);
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(30);

    private final HandshakeSettings settings;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    /** Connections in the handshake, with the timer that closes them if it takes too long. */
    private final Map<Channel, Future<?>> handshaking = new ConcurrentHashMap<>();
    private final Set<TransmissionPhase> transmitting = ConcurrentHashMap.newKeySet();
    private volatile boolean closing;

    /** A server without TLS. */
    public NbdServer(ExportDirectory exports, ServerLimits limits) {
        this(exports, limits, TlsPolicy.OFF, null);
    }

    /**
     * @param security the TLS provider for STARTTLS, or null when none is installed (then {@code tls} may not be
     *                 REQUIRED: {@link #listen} refuses)
     */
    public NbdServer(ExportDirectory exports, ServerLimits limits, TlsPolicy tls, StreamSecurity security) {
        this.settings = new HandshakeSettings(Objects.requireNonNull(exports, "exports"),
                Objects.requireNonNull(limits, "limits"), Objects.requireNonNull(tls, "tls"), security,
                this::started, () -> closing);
    }

    /**
     * Starts accepting on {@code at} through {@code transport}. Binds before returning.
     *
     * @throws IOException naming the address when it cannot be bound, or when TLS is required and no provider
     *                     is installed
     */
    public Listener listen(Transport transport, StreamAddress at) throws IOException {
        if (closing) {
            throw new IOException("server is closed");
        }
        if (settings.tls() == TlsPolicy.REQUIRED && settings.security() == null) {
            throw new IOException("cannot listen on " + at.endpoint() + ": tls=required but no TLS provider is "
                    + "installed");
        }
        Listener bound = transport.listen(at, new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel channel) {
                accept(channel);
            }
        });
        Listener tracked = new Listener() {
            @Override
            public SocketAddress localAddress() {
                return bound.localAddress();
            }

            @Override
            public void close() {
                listeners.remove(this);
                bound.close();
            }
        };
        listeners.add(tracked);
        LOG.info("listening on {}", at.isUnix() ? at.socketPath() : bound.localAddress());
        return tracked;
    }

    /** The bytes this server's connections hold now for requests, and their limit. */
    public MemoryBudget budget() {
        return settings.budget();
    }

    /** Connections open now (in handshake or transmission). */
    public int connections() {
        return handshaking.size() + transmitting.size();
    }

    /** Drains and closes, waiting up to 30 seconds for requests in flight. */
    @Override
    public void close() {
        close(DRAIN_TIMEOUT);
    }

    /**
     * Stops accepting, closes connections still in the handshake, lets connections in transmission finish what
     * they have received, then closes them. Returns false if some had not finished within {@code timeout}
     * (they are closed anyway).
     */
    public boolean close(Duration timeout) {
        closing = true;
        new ArrayList<>(listeners).forEach(Listener::close);
        handshaking.keySet().forEach(Channel::close);
        List<CompletableFuture<Void>> drained = new ArrayList<>();
        transmitting.forEach(phase -> drained.add(phase.drain()));
        try {
            CompletableFuture.allOf(drained.toArray(CompletableFuture[]::new))
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException | ExecutionException e) {
            LOG.warn("{} connections did not drain within {}; closing them", transmitting.size(), timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        transmitting.forEach(phase -> phase.channel().close());
        return false;
    }

    private void accept(Channel channel) {
        if (closing) {
            channel.close();
            return;
        }
        Duration timeout = settings.limits().handshakeTimeout();
        handshaking.put(channel, channel.eventLoop().schedule(() -> handshakeTimedOut(channel, timeout),
                timeout.toMillis(), TimeUnit.MILLISECONDS));
        channel.closeFuture().addListener(f -> endHandshake(channel));
        channel.pipeline()
                .addLast(ConnectionLog.NAME, new ConnectionLog())
                .addLast(HandshakeHandler.DECODER, new ServerHandshakeDecoder(settings.limits().maxOptionLength()))
                .addLast(HandshakeHandler.ENCODER, new HandshakeEncoder())
                .addLast(HandshakeHandler.HANDLER, new HandshakeHandler(settings));
    }

    private void handshakeTimedOut(Channel channel, Duration timeout) {
        if (handshaking.remove(channel) != null) {
            LOG.info("{}: no export chosen within {} ms of connecting; closing the connection",
                    channel.remoteAddress(), timeout.toMillis());
            channel.close();
        }
    }

    private void endHandshake(Channel channel) {
        Future<?> timer = handshaking.remove(channel);
        if (timer != null) {
            timer.cancel(false);
        }
    }

    private void started(TransmissionPhase phase) {
        endHandshake(phase.channel());
        transmitting.add(phase);
        phase.closed().whenComplete((ok, failure) -> transmitting.remove(phase));
        if (closing) {
            phase.drain();
        }
    }
}
