package org.enbd.kernel;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.enbd.api.layer.ExportEvent;
import org.enbd.api.layer.Layer;
import org.enbd.api.stream.EventLoops;
import org.enbd.kernel.sys.Libc;
import org.enbd.server.TransmissionPhase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last mile: N socketpairs, one end of each for the kernel, the other adopted as a Netty channel that serves
 * the transmission phase from its own {@link Layer} (one per connection, opened from the device's stack). The
 * kernel only ever talks to this local socket; the layers behind it end in the client engine's remote device,
 * which reconnects and resubmits, so the kernel never sees a network failure. Requests run on the relay channel's
 * event loop through the layers' stages: no thread per request.
 */
public final class KernelRelay implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KernelRelay.class);
    private static final long REGISTER_TIMEOUT_S = 10;

    private final List<Channel> channels;
    private final List<TransmissionPhase> phases;
    private final Layer first;
    private final int[] kernelSockets;
    private boolean kernelSocketsOpen = true;
    private final CompletableFuture<Void> allClosed;

    private KernelRelay(List<Channel> channels, List<TransmissionPhase> phases, int[] kernelSockets, Layer first) {
        this.first = first;
        this.channels = List.copyOf(channels);
        this.phases = List.copyOf(phases);
        this.kernelSockets = kernelSockets;
        this.allClosed = CompletableFuture.allOf(channels.stream().map(KernelRelay::closeFuture)
                .toArray(CompletableFuture[]::new));
    }

    /**
     * Opens a socketpair per layer and serves the relay end of each from its layer, which the installed phase owns
     * from then on (and closes with its channel; if opening fails, the layers not yet installed are closed here).
     * Call from a thread that may block (it waits for channel registration), never from an event loop.
     */
    public static KernelRelay open(EventLoops loops, List<Layer> layers, TransmissionInstaller installer)
            throws IOException {
        int connections = layers.size();
        if (connections < 1) {
            throw new IllegalArgumentException("a device needs at least one connection: " + connections);
        }
        List<Channel> channels = new ArrayList<>();
        List<TransmissionPhase> phases = new ArrayList<>();
        int[] kernel = new int[connections];
        int opened = 0; // kernel ends created so far
        int installed = 0; // layers handed to a phase
        try {
            while (opened < connections) {
                int[] pair = Libc.socketpair();
                kernel[opened++] = pair[0];
                Channel channel;
                try {
                    Libc.setNonBlocking(pair[1]);
                    channel = loops.adopt(pair[1]); // from here on the channel owns pair[1]
                } catch (IOException | RuntimeException e) {
                    closeQuietly(pair[1]);
                    throw e;
                }
                channels.add(channel);
                phases.add(serve(loops, channel, layers.get(installed), installer));
                installed++;
            }
            return new KernelRelay(channels, phases, kernel, layers.getFirst());
        } catch (IOException | RuntimeException e) {
            for (Channel c : channels) {
                c.close();
            }
            for (int i = installed; i < connections; i++) { // the installed ones close with their channels
                layers.get(i).close();
            }
            for (int i = 0; i < opened; i++) {
                closeQuietly(kernel[i]);
            }
            throw e;
        }
    }

    /**
     * Installs the phase, then registers the channel: its handlers are added on the loop as part of the
     * registration, before the first read, so no byte the kernel writes early can pass them by (installed on a
     * registered channel from this thread, they would be added later, on the loop, racing the first read).
     */
    private static TransmissionPhase serve(EventLoops loops, Channel channel, Layer layer,
                                           TransmissionInstaller installer) throws IOException {
        TransmissionPhase phase = installer.install(channel, layer);
        ChannelFuture registered = loops.group().register(channel);
        if (!registered.awaitUninterruptibly(REGISTER_TIMEOUT_S, TimeUnit.SECONDS) || !registered.isSuccess()) {
            channel.close();
            throw new IOException("cannot register the relay socket with the event loops", registered.cause());
        }
        return phase;
    }

    /** The descriptors to hand to the kernel (NBD_ATTR_SOCKETS or NBD_SET_SOCK). */
    public int[] kernelSockets() {
        return kernelSockets.clone();
    }

    /**
     * The export's new size: each connection checks the kernel's requests against it from now on. Returns once
     * every connection's loop has taken it (so the kernel, told next, never sends a request the relay would
     * still refuse); call it off the event loops.
     */
    public void resize(long size) {
        ExportEvent changed = new ExportEvent.SizeChanged(size);
        phases.forEach(phase -> phase.event(changed));
        for (Channel channel : channels) {
            // the loop runs its tasks in order: once this one ran, the phase's resize has too
            channel.eventLoop().submit(() -> { }).awaitUninterruptibly(REGISTER_TIMEOUT_S, TimeUnit.SECONDS);
        }
    }

    /** The first connection's layer, for a control message of the device's own (it closes with its channel). */
    public Layer firstLayer() {
        return first;
    }

    /** Connections served. */
    public int connections() {
        return channels.size();
    }

    /**
     * Closes this process's copies of the kernel's ends once the kernel holds its own references, so that when
     * the kernel lets go the relay channels see the close.
     */
    public synchronized void releaseKernelSockets() {
        if (kernelSocketsOpen) {
            kernelSocketsOpen = false;
            for (int fd : kernelSockets) {
                closeQuietly(fd);
            }
        }
    }

    /** Completes when every relay channel has closed: the kernel let go of the device's sockets. */
    public CompletableFuture<Void> allClosed() {
        return allClosed;
    }

    /** Channels still open (for status: fewer than configured means the kernel dropped one). */
    public long openChannels() {
        return channels.stream().filter(Channel::isOpen).count();
    }

    @Override
    public void close() {
        releaseKernelSockets();
        for (Channel c : channels) {
            c.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    private static CompletableFuture<Void> closeFuture(Channel channel) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        channel.closeFuture().addListener(x -> f.complete(null));
        return f;
    }

    private static void closeQuietly(int fd) {
        try {
            Libc.close(fd);
        } catch (IOException e) {
            LOG.warn("{}", e.getMessage());
        }
    }
}
