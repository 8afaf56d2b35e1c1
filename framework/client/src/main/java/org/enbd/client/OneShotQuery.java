package org.enbd.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.control.Status;
import org.enbd.api.control.StatusBoard;
import org.enbd.api.stream.EventLoops;
import org.enbd.api.stream.TransportRegistry;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One question asked once of a remote export over ENBD-J's control channel, as a command's one-shot component asks
 * it ({@code enbd cow}): a client device with one connection opened on a thread of its own, the question asked,
 * and the answer reported on the StatusBoard under the component's id (STARTING while asking, then UP or FAILED
 * with the reason), removed when the component stops. Nothing waits on an event loop.
 */
@ProviderType
public final class OneShotQuery {
    /** What a question found: the state to report, its detail and its attributes (what the launcher prints). */
    public record Answer(Status.State state, String detail, Map<String, Object> attributes) {
    }

    /** The question, asked of the opened device on the query's own thread. */
    @FunctionalInterface
    public interface Question {
        Answer ask(RemoteDevice device) throws NbdException, InterruptedException;
    }

    private final StatusBoard board;
    private final String id;
    private final Duration timeout;
    private final Thread asker;

    private OneShotQuery(StatusBoard board, String id, Duration timeout, Thread asker) {
        this.board = board;
        this.id = id;
        this.timeout = timeout;
        this.asker = asker;
    }

    /**
     * Reports STARTING with {@code asking} and starts asking {@code uri}.
     *
     * @param id      the component's status id (its {@code service.pid})
     * @param kind    the status kind ({@code cow-query})
     * @param timeout how long the connection may take, and each answer
     */
    public static OneShotQuery start(String id, String kind, String uri, String asking, Duration timeout,
                                     StatusBoard board, EventLoops loops, TransportRegistry transports,
                                     Question question) {
        board.report(Status.of(id, kind, Status.State.STARTING, asking));
        Thread asker = Thread.ofPlatform().name("enbd-" + kind).daemon().start(() -> {
            Status answer;
            try {
                ClientOptions options = ClientOptions.of(uri).withConnections(1).withDeadTime(timeout);
                try (RemoteDevice device = RemoteDevice.open(options, TransportResolver.of(transports), loops, null,
                        id + "/remote")) {
                    Answer a = question.ask(device);
                    answer = new Status(id, kind, a.state(), a.detail(), a.attributes(), null);
                }
            } catch (NbdException | RuntimeException e) {
                answer = Status.of(id, kind, Status.State.FAILED, e.getMessage());
            } catch (InterruptedException e) {
                return; // stopped while asking
            }
            board.report(answer);
        });
        return new OneShotQuery(board, id, timeout, asker);
    }

    /**
     * Sends one control message and waits for its answer, which the caller releases. The errors say what a user
     * needs: a server that is no ENBD-J server, an export without the feature ({@code unsupported}, for ENOTSUP),
     * no answer in time.
     *
     * @param name the message's name, for errors ({@code COW_SHOW})
     */
    public static ByteBuf control(RemoteDevice device, String uri, String name, int type, ByteBuf data,
                                  Duration timeout, String unsupported) throws NbdException, InterruptedException {
        if (!device.enbdExtension()) {
            throw new NbdException(NbdError.ENOTSUP, uri + " is not an ENBD-J server (it does not speak ENBD-J's "
                    + "extension channel), so it cannot answer " + name);
        }
        try {
            return device.control(type, data, ByteBufAllocator.DEFAULT).toCompletableFuture()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new NbdException(NbdError.EIO, "no answer to " + name + " from " + uri + " within "
                    + timeout.toSeconds() + " s");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            while (cause instanceof CompletionException && cause.getCause() != null) {
                cause = cause.getCause();
            }
            if (cause instanceof NbdException n && n.error() == NbdError.ENOTSUP) {
                throw new NbdException(NbdError.ENOTSUP, unsupported);
            }
            NbdError error = cause instanceof NbdException n ? n.error() : NbdError.EIO;
            throw new NbdException(error, name + " to " + uri + " failed: " + cause.getMessage(), cause);
        }
    }

    /** Stops asking (an open in progress ends at its own timeout at the latest) and removes the status. */
    public void stop() throws InterruptedException {
        asker.interrupt();
        asker.join(timeout.plusSeconds(5));
        board.remove(id);
    }
}
