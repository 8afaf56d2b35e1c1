package org.enbd.api.stream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.CompletionStage;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Turns a blocking byte stream (an SSH channel's {@code InputStream}/{@code OutputStream}, a serial line) into a
 * {@link Channel} on the framework's event loops, so that a transport over such a medium keeps to the
 * {@link Transport} contract in a few hundred lines and never blocks a loop.
 *
 * <p>The framework's implementation makes a Unix socketpair: one end is adopted by the event loops as the channel,
 * the other is pumped to and from the streams by two platform threads the bridge owns and names
 * ({@code enbd-bridge-NAME-in}, {@code enbd-bridge-NAME-out}), each with one bounded buffer. Flow control is the
 * socketpair's: a slow stream fills the socket buffer and the channel turns unwritable; a slow channel reader
 * stops the input pump.
 *
 * <p>Ends, both ways: when the input stream ends (or fails), the channel reads end-of-stream and closes; when the
 * channel closes, the bridge closes both streams, which must unblock a read in progress (sockets, JSch and piped
 * streams do), and its threads end. Closing the bridge service closes every channel it made and joins its threads.
 */
@ProviderType
public interface StreamBridge {
    /**
     * Bridges {@code in} and {@code out} to a new channel with {@code initializer} in its pipeline (added before
     * the channel is registered, so it sees {@code channelActive}). Completes once the channel is registered, or
     * with the failure (no socketpair; event loops that cannot adopt descriptors). The streams are the bridge's
     * from then on: it closes them.
     *
     * @param name names the pump threads and the channel in logs, e.g. {@code "ssh-alice@host#1"}
     */
    CompletionStage<Channel> open(String name, InputStream in, OutputStream out, ChannelHandler initializer);
}
