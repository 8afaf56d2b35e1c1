package org.enbd.kernel;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.enbd.api.layer.Layer;
import org.enbd.api.stream.EventLoops;
import org.enbd.kernel.sys.Libc;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last mile: N socketpairs, one end of each for the kernel, the other adopted as a Netty channel that serves
 * the transmission phase from a {@link Layer}. The kernel only ever talks to this local socket; the layer behind
 * it (the client engine's remote device) reconnects and resubmits, so the kernel never sees a network failure.
 */
public final class KernelRelay implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KernelRelay.class);
    private static final long REGISTER_TIMEOUT_S = 10;

    private final List<Channel> channels;
    private final int[] kernelSockets;
    private boolean kernelSocketsOpen = true;
    private final CompletableFuture<Void> allClosed;

    private KernelRelay(List<Channel> channels, int[] kernelSockets) {
        this.channels = List.copyOf(channels);
        this.kernelSockets = kernelSockets;
        this.allClosed = CompletableFuture.allOf(channels.stream().map(KernelRelay::closeFuture)
                .toArray(CompletableFuture[]::new));
    }

    /**
     * Opens {@code connections} socketpairs and serves the relay end of each. Call from a thread that may block
     * (it waits for channel registration), never from an event loop.
     */
    public static KernelRelay open(EventLoops loops, Layer layer, int connections, TransmissionInstaller installer)
            throws IOException {
        if (connections < 1) {
            throw new IllegalArgumentException("a device needs at least one connection: " + connections);
        }
        List<Channel> channels = new ArrayList<>();
        int[] kernel = new int[connections];
        int opened = 0; // kernel ends created so far
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
                serve(loops, channel, layer, installer);
            }
            return new KernelRelay(channels, kernel);
        } catch (IOException | RuntimeException e) {
            for (Channel c : channels) {
                c.close();
            }
            for (int i = 0; i < opened; i++) {
                closeQuietly(kernel[i]);
            }
            throw e;
        }
    }

    private static void serve(EventLoops loops, Channel channel, Layer layer, TransmissionInstaller installer)
            throws IOException {
        ChannelFuture registered = loops.group().register(channel);
        if (!registered.awaitUninterruptibly(REGISTER_TIMEOUT_S, TimeUnit.SECONDS) || !registered.isSuccess()) {
            channel.close();
            throw new IOException("cannot register the relay socket with the event loops", registered.cause());
        }
        installer.install(channel, layer);
    }

    /** The descriptors to hand to the kernel (NBD_ATTR_SOCKETS or NBD_SET_SOCK). */
    public int[] kernelSockets() {
        return kernelSockets.clone();
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
