package org.enbd.feature.stats.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.layer.Layer;
import org.enbd.feature.stats.StatsControl;

/**
 * Asks a remote export for its counters: one STATS_QUERY down a client device's stack to the server's, and its
 * answer read back. The errors say what a user needs: a server that is no ENBD-J server, an export without the
 * stats feature, an answer that is not a stats document.
 */
final class StatsQuery {
    /** What the export answered: the document as it came, and what it says. */
    record Answer(String json, StatsReading reading) {
    }

    private StatsQuery() {
    }

    /**
     * Sends STATS_QUERY and waits for the answer; blocks, so never on an event loop.
     *
     * @param device     the remote export, opened
     * @param enbdServer whether the server negotiated ENBD-J's extension channel
     * @param uri        the export's URI, for messages
     * @param export     the export's name, for messages
     */
    static Answer ask(Layer device, boolean enbdServer, String uri, String export, Duration timeout)
            throws NbdException, InterruptedException {
        if (!enbdServer) {
            throw new NbdException(NbdError.ENOTSUP, uri + " is not an ENBD-J server (it does not speak ENBD-J's "
                    + "extension channel), so it has no stats to ask for");
        }
        ByteBuf reply;
        try {
            reply = device.control(StatsControl.QUERY, Unpooled.EMPTY_BUFFER, ByteBufAllocator.DEFAULT)
                    .toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new NbdException(NbdError.EIO, "no answer to STATS_QUERY from " + uri + " within "
                    + timeout.toSeconds() + " s");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            while (cause instanceof CompletionException && cause.getCause() != null) {
                cause = cause.getCause();
            }
            if (cause instanceof NbdException n && n.error() == NbdError.ENOTSUP) {
                throw new NbdException(NbdError.ENOTSUP, "export \"" + export + "\" has no stats feature (ENOTSUP)");
            }
            NbdError error = cause instanceof NbdException n ? n.error() : NbdError.EIO;
            throw new NbdException(error, "STATS_QUERY to " + uri + " failed: " + cause.getMessage(), cause);
        }
        String json;
        try {
            json = reply.toString(StandardCharsets.UTF_8);
        } finally {
            reply.release();
        }
        try {
            return new Answer(json, StatsJson.read(json));
        } catch (IllegalArgumentException e) {
            throw new NbdException(NbdError.EIO, uri + " answered STATS_QUERY with something else: "
                    + e.getMessage());
        }
    }
}
