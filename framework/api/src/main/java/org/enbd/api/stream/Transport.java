package org.enbd.api.stream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import java.io.IOException;
import java.util.concurrent.CompletionStage;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * ENBD's stream, as a transport bundle's one service: it makes Netty channels, and a channel is the stream
 * (read, write, close). Registered with {@link #SCHEMES} naming the URI schemes it serves; the one
 * {@link TransportRegistry} picks the transport for an address by scheme (or by a configured choice), never by
 * service ranking. A transport that goes away closes what it opened, and the engine treats that as a network
 * failure.
 *
 * <h2>What a channel promises</h2>
 * A channel a transport hands out is what TCP promises: a <b>reliable, ordered, flow-controlled byte stream</b>
 * between two peers. Every byte written arrives once, in order, or the channel closes; a slow reader slows the
 * writer (the channel turns unwritable) instead of losing data; message boundaries are not kept (the NBD codec
 * frames). NBD on the wire needs exactly that and nothing more, so the handshake, the codecs and the client
 * engine's recovery sit on top of any transport unchanged.
 *
 * <h2>Media that are frames</h2>
 * A medium whose unit is a frame that may be lost, reordered or duplicated (raw Ethernet through AF_PACKET, ATA
 * over Ethernet) does <b>not</b> implement {@code Transport}. Building a reliable stream over it would mean
 * writing TCP again (sequence numbers, retransmission, windows) only to run NBD's own framing over the result;
 * and AoE is not NBD on the wire anyway: its peers (aoe.ko, vblade) speak ATA commands in frames, with tags and
 * retransmission of their own. So a frame transport carries whole requests and replies as messages: its bundle
 * decodes a frame into one request, and talks to the request path directly (a target opens an
 * {@link org.enbd.api.layer.Export} and calls its {@link org.enbd.api.layer.Layer}; an initiator is a layer
 * itself), keeping its own tag table for duplicates and retransmission. It still uses the framework's
 * {@link EventLoops} and reports to the status board; it registers no {@code Transport}.
 *
 * <h2>Blocking streams</h2>
 * A medium that is a byte stream behind blocking {@code InputStream}/{@code OutputStream}s (an SSH channel)
 * keeps to this interface through the framework's {@link StreamBridge}, which turns the pair into a channel on
 * the event loops; such a transport stays a few hundred lines.
 *
 * <h2>Addresses</h2>
 * Each transport owns the syntax of its schemes: {@link StreamAddress#parse} checks only what the NBD URI
 * standard (uri.md) says of its own schemes, leaves the port {@link StreamAddress#NO_PORT} when the URI names
 * none, and the transport fills in its {@link #defaultPort()} and refuses what it cannot use with a message that
 * names the address.
 */
@ConsumerType
public interface Transport {
    /** Service property: the URI schemes served, e.g. {@code {"nbd", "nbd+unix"}}. */
    String SCHEMES = "enbd.transport.schemes";

    /** A short name for logs and configuration, e.g. {@code "tcp"}. */
    String name();

    /**
     * The port an address of this transport means when it names none (10809 for NBD over TCP, 22 for SSH), or
     * {@link StreamAddress#NO_PORT} when its addresses have no ports.
     */
    default int defaultPort() {
        return StreamAddress.NO_PORT;
    }

    /**
     * Opens a stream to {@code to}; {@code initializer} is added to the new channel's pipeline before it
     * connects (it installs the NBD codec). Completes with the connected channel or the failure: a
     * {@link PermanentStreamFailure} when trying again cannot help (a refused host key), which the client engine
     * does not retry; any other failure is the network's. May be called on
     * an event loop (the client engine reconnects from one), so it never blocks: name lookups, key loading and
     * blocking connects happen on threads the transport owns.
     */
    CompletionStage<Channel> connect(StreamAddress to, ChannelHandler initializer);

    /**
     * Binds {@code at} and accepts streams, adding {@code initializer} to each accepted channel's pipeline. Blocks
     * until bound, so it is never called on an event loop. Optional: a client-only transport keeps this default,
     * which refuses.
     *
     * @throws IOException when the address cannot be bound (in use, no permission), with the address named; by
     *                     default, that this transport cannot listen
     */
    default Listener listen(StreamAddress at, ChannelHandler initializer) throws IOException {
        throw new IOException("transport " + name() + " cannot listen (" + at + ")");
    }
}
