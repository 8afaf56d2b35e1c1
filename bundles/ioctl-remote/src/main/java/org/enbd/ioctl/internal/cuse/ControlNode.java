package org.enbd.ioctl.internal.cuse;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.enbd.api.NbdException;
import org.enbd.ioctl.Descriptor;
import org.enbd.ioctl.Errno;
import org.enbd.ioctl.IoctlControl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A CUSE character device ({@code /dev/enbd/nbd0-ctl}) on which any program issues the ioctls of the
 * {@link org.enbd.ioctl.IoctlTable}; each goes to the server through {@link Server} and the caller gets the
 * server's result, errno and struct. Pure Java over {@code /dev/cuse}: one thread reads the requests (in bounded
 * polls, so it stops when told), a few run the calls (a tray that moves holds one for seconds), both joined on
 * {@link #close}, which also removes the node.
 */
public final class ControlNode implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ControlNode.class);
    private static final int ENOSYS = 38;
    private static final int CALLERS = 4;
    private static final int POLL_MS = 200;

    /** The server's side of a call: blocks until it answers. */
    @FunctionalInterface
    public interface Server {
        /** @throws NbdException the control message failed (EPERM: the export does not allow it) */
        IoctlControl.Reply call(IoctlControl.Request request) throws NbdException, InterruptedException;
    }

    private final String name;
    private final CuseChannel channel;
    private final IoctlDance dance;
    private final Server server;
    private final AtomicLong handles = new AtomicLong();
    private final CountDownLatch initialised = new CountDownLatch(1);
    private final ExecutorService callers;
    private final Thread reader;
    private volatile boolean running = true;
    private volatile String failure;

    private ControlNode(String name, CuseChannel channel, IoctlDance dance, Server server) {
        this.name = name;
        this.channel = channel;
        this.dance = dance;
        this.server = server;
        this.callers = Executors.newFixedThreadPool(CALLERS,
                Thread.ofPlatform().name("enbd-cuse-call-" + name.replace('/', '-') + "-", 0).daemon().factory());
        this.reader = Thread.ofPlatform().name("enbd-cuse-" + name.replace('/', '-')).daemon().unstarted(this::read);
    }

    /**
     * Opens {@code cuse} ({@code /dev/cuse}) and serves the node {@code /dev/NAME}; returns once the kernel has
     * created it.
     *
     * @throws Descriptor.Failure when {@code cuse} cannot be opened (ENOENT: {@code modprobe cuse})
     * @throws IllegalStateException when the kernel does not take the node (a name in use) within {@code waitMs}
     */
    public static ControlNode open(String cuse, String name, IoctlDance dance, Server server, long waitMs)
            throws Descriptor.Failure, InterruptedException {
        CuseChannel channel = CuseChannel.open(cuse);
        ControlNode node = new ControlNode(name, channel, dance, server);
        node.reader.start();
        if (!node.initialised.await(waitMs, TimeUnit.MILLISECONDS) || node.failure != null) {
            String why = node.failure != null ? node.failure : "no CUSE_INIT from the kernel within " + waitMs + " ms";
            node.close();
            throw new IllegalStateException("control node /dev/" + name + ": " + why);
        }
        return node;
    }

    /** {@code /dev/NAME}. */
    public String path() {
        return "/dev/" + name;
    }

    private void read() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(CuseChannel.READ_BUFFER, 8);
            while (running) {
                Optional<ByteBuffer> message = channel.read(buffer, POLL_MS);
                if (message.isPresent()) {
                    serve(message.get());
                }
            }
        } catch (Descriptor.Failure e) {
            if (running) {
                failure = e.getMessage();
                LOG.warn("control node /dev/{} stopped: {}", name, e.getMessage());
            }
        } finally {
            initialised.countDown();
        }
    }

    private void serve(ByteBuffer message) throws Descriptor.Failure {
        CuseRequest request;
        try {
            request = CuseCodec.decode(message);
        } catch (IllegalArgumentException e) {
            LOG.warn("control node /dev/{}: {}", name, e.getMessage());
            return; // a request with no readable unique cannot be answered
        }
        switch (request) {
            case CuseRequest.Init init -> {
                if (init.major() != CuseCodec.MAJOR) {
                    failure = "the kernel speaks FUSE " + init.major() + "." + init.minor() + ", this node "
                            + CuseCodec.MAJOR + "." + CuseCodec.MINOR;
                    channel.write(CuseCodec.status(init.unique(), Errno.EIO));
                } else {
                    channel.write(CuseCodec.initReply(init.unique(), name, 4096, 4096));
                    LOG.info("control node /dev/{} serves remote ioctls (FUSE {}.{})", name, init.major(),
                            init.minor());
                }
                initialised.countDown();
            }
            case CuseRequest.Open open -> channel.write(CuseCodec.openReply(open.unique(), handles.incrementAndGet()));
            case CuseRequest.Release release -> channel.write(CuseCodec.status(release.unique(), 0));
            case CuseRequest.Interrupt ignored -> {
                // a call already sent to the server cannot be taken back: its answer comes as usual
            }
            case CuseRequest.Other other -> channel.write(CuseCodec.status(other.unique(), ENOSYS));
            case CuseRequest.Ioctl ioctl -> ioctl(ioctl);
        }
    }

    private void ioctl(CuseRequest.Ioctl request) throws Descriptor.Failure {
        switch (dance.step(request)) {
            case IoctlDance.Refuse refuse -> {
                LOG.debug("control node /dev/{}: {}", name, refuse.why());
                channel.write(CuseCodec.status(request.unique(), refuse.errno()));
            }
            case IoctlDance.Retry retry -> channel.write(CuseCodec.ioctlRetry(request.unique(), retry.in(),
                    retry.out()));
            case IoctlDance.Call call -> {
                try {
                    callers.execute(() -> answer(request.unique(), call));
                } catch (RejectedExecutionException e) {
                    channel.write(CuseCodec.status(request.unique(), Errno.EIO)); // closing
                }
            }
        }
    }

    private void answer(long unique, IoctlDance.Call call) {
        ByteBuffer reply;
        try {
            reply = IoctlDance.reply(unique, call, server.call(call.request()));
        } catch (NbdException e) {
            LOG.info("control node /dev/{}: {} refused: {}", name, call.ioctl().name(), e.getMessage());
            reply = CuseCodec.status(unique, e.error().value());
        } catch (InterruptedException e) {
            reply = CuseCodec.status(unique, Errno.EIO);
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.warn("control node /dev/{}: {} failed", name, call.ioctl().name(), e);
            reply = CuseCodec.status(unique, Errno.EIO);
        }
        try {
            channel.write(reply);
        } catch (Descriptor.Failure e) {
            LOG.warn("control node /dev/{}: the answer to {} was refused: {}", name, call.ioctl().name(),
                    e.getMessage());
        }
    }

    /** Stops the threads (calls in progress finish or time out), then closes /dev/cuse: the node goes away. */
    @Override
    public void close() throws InterruptedException {
        running = false;
        reader.join();
        callers.shutdown();
        if (!callers.awaitTermination(60, TimeUnit.SECONDS)) {
            callers.shutdownNow();
            callers.awaitTermination(5, TimeUnit.SECONDS);
        }
        channel.close();
    }
}
