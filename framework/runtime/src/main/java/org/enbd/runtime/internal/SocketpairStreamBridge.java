package org.enbd.runtime.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.enbd.api.stream.EventLoops;
import org.enbd.api.stream.StreamBridge;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * The framework's {@link StreamBridge}: a socketpair(2) per stream, one end adopted by the {@link EventLoops} as
 * the channel, the other pumped by a {@link BridgedStream}'s two threads. Needs event loops that adopt descriptors
 * (epoll); on NIO, {@link #open} fails with the reason. Deactivating closes every bridged channel and joins its
 * pumps. A DS component, and a plain class for tests.
 */
@Component(service = StreamBridge.class)
public final class SocketpairStreamBridge implements StreamBridge, AutoCloseable {
    private final EventLoops loops;
    private final Set<BridgedStream> open = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    @Activate
    public SocketpairStreamBridge(@Reference EventLoops loops) {
        this.loops = loops;
    }

    @Override
    public CompletionStage<Channel> open(String name, InputStream in, OutputStream out, ChannelHandler initializer) {
        CompletableFuture<Channel> result = new CompletableFuture<>();
        if (closed) {
            result.completeExceptionally(new IOException("bridge " + name + ": the stream bridge is stopping"));
            return result;
        }
        int[] pair;
        Channel channel;
        try {
            pair = UnixSocketpair.open();
        } catch (IOException e) {
            result.completeExceptionally(new IOException("bridge " + name + ": " + e.getMessage(), e));
            return result;
        }
        try {
            channel = loops.adopt(pair[1]); // from here on the channel owns pair[1]
        } catch (IOException | RuntimeException e) {
            UnixSocketpair.close(pair[0]);
            UnixSocketpair.close(pair[1]);
            result.completeExceptionally(new IOException("bridge " + name + ": " + e.getMessage(), e));
            return result;
        }
        BridgedStream stream = new BridgedStream(name, pair[0], in, out, channel);
        channel.pipeline().addLast(initializer);
        loops.group().register(channel).addListener((ChannelFuture registered) -> {
            if (!registered.isSuccess()) {
                channel.close();
                UnixSocketpair.close(pair[0]);
                result.completeExceptionally(new IOException("bridge " + name + ": "
                        + registered.cause().getMessage(), registered.cause()));
                return;
            }
            open.add(stream);
            stream.finished().whenComplete((ok, err) -> open.remove(stream));
            stream.start();
            if (closed) {
                // deactivated meanwhile and perhaps missed it: the pumps end once the channel is gone
                channel.close();
                result.completeExceptionally(new IOException("bridge " + name + ": the stream bridge is stopping"));
                return;
            }
            result.complete(channel);
        });
        return result;
    }

    /** The streams bridged now (tests, status). */
    int openStreams() {
        return open.size();
    }

    /** Closes every bridged channel and joins the pumps; later {@link #open} calls fail. */
    @Deactivate
    @Override
    public void close() {
        closed = true;
        for (BridgedStream stream : List.copyOf(open)) {
            stream.close();
        }
    }
}
