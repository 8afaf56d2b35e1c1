package org.enbd.client.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.stream.PermanentStreamFailure;
import org.enbd.api.stream.StreamAddress;
import org.enbd.api.stream.Transport;
import org.enbd.client.ClientOptions;
import org.enbd.client.RemoteDevice;
import org.enbd.runtime.internal.NettyEventLoops;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A transport may fail before it made any channel (a host name that does not resolve, an SSH session refused): the
 * attempt ends with that failure, and a {@link PermanentStreamFailure} is not retried.
 */
class TransportFailureTest {
    private final NettyEventLoops loops = new NettyEventLoops(1);
    private final AtomicInteger attempts = new AtomicInteger();

    @AfterEach
    void close() {
        loops.close();
    }

    /** A transport whose every connect fails at once with {@code failure}, with no channel made. */
    private Transport failing(IOException failure) {
        return new Transport() {
            @Override
            public String name() {
                return "failing";
            }

            @Override
            public CompletionStage<Channel> connect(StreamAddress to, ChannelHandler initializer) {
                attempts.incrementAndGet();
                return CompletableFuture.failedFuture(failure);
            }
        };
    }

    private static ClientOptions options() {
        // a long stall timeout: waiting for the handshake timer instead of the failure would take 60 s
        return ClientOptions.of("nbd://server.example/disk").withStallTimeout(Duration.ofSeconds(30));
    }

    @Test
    void aNetworkFailureWithoutAChannelEndsTheAttemptWithItsMessage() {
        Transport transport = failing(new IOException("unknown host server.example"));
        NbdException e = assertThrows(NbdException.class,
                () -> RemoteDevice.open(options(), scheme -> Optional.of(transport), loops, null, "t"));
        assertEquals(NbdError.EIO, e.error());
        assertTrue(e.getMessage().contains("unknown host server.example"), e.getMessage());
    }

    @Test
    void aPermanentFailureIsNotRetried() {
        Transport transport = failing(new PermanentStreamFailure("host key of server.example:22 has CHANGED"));
        AtomicInteger retries = new AtomicInteger();
        NbdException e = assertThrows(NbdException.class, () -> RemoteDevice.openRetrying(options(),
                scheme -> Optional.of(transport), loops, null, "t", () -> false, failure -> retries.incrementAndGet()));
        assertEquals(NbdError.EPERM, e.error());
        assertTrue(e.getMessage().contains("has CHANGED"), e.getMessage());
        assertEquals(0, retries.get());
        assertEquals(1, attempts.get());
    }
}
