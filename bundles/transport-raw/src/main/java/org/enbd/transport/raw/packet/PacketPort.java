package org.enbd.transport.raw.packet;

import java.nio.ByteBuffer;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link PacketSocket} with the thread that receives from it: the port's owner starts it with a handler, and
 * {@link #close} stops the thread, joins it and then closes the socket. The handler runs on that thread, one
 * frame at a time, and must not block (it hands requests to the request path and returns). Sending is allowed
 * from any thread and never blocks. What the handler sends while more received frames are waiting is held in a
 * {@link SendBatch} and sent with one system call when none are left (or the batch is full): a target answering
 * a burst of frames from the receiver thread pays one sendmmsg(2) per burst, not one send(2) per frame.
 */
public final class PacketPort implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PacketPort.class);
    /** How long a receive waits before the thread looks at its stop flag: the longest {@link #close} waits. */
    private static final long RECEIVE_TIMEOUT_MS = 200;

    private final PacketSocket socket;
    private final String threadName;
    private final SendBatch batch;
    private Thread receiver;
    /** The receiver thread, as it sees itself: its sends go to the batch. */
    private volatile Thread batching;
    private volatile boolean running = true;

    private PacketPort(PacketSocket socket, String threadName) {
        this.socket = socket;
        this.threadName = threadName;
        this.batch = new SendBatch(socket.netInterface().mtu());
    }

    /**
     * Opens {@code interfaceName} for {@code etherType} frames; {@link #start} begins receiving.
     *
     * @throws PacketException naming what is wrong (no CAP_NET_RAW, no such interface, down, MTU too small)
     */
    public static PacketPort open(String interfaceName, int etherType, int minimumMtu, String threadName)
            throws PacketException {
        return new PacketPort(PacketSocket.open(interfaceName, etherType, minimumMtu, RECEIVE_TIMEOUT_MS), threadName);
    }

    /** Starts the receiver thread, which gives {@code handler} every frame until {@link #close}. Once. */
    public synchronized void start(Consumer<ByteBuffer> handler) {
        if (receiver != null) {
            throw new IllegalStateException("the port on " + socket.netInterface().name() + " is started already");
        }
        receiver = Thread.ofPlatform().name(threadName).daemon().start(() -> receive(handler));
    }

    public NetInterface netInterface() {
        return socket.netInterface();
    }

    /**
     * Sends one frame without waiting; false when it was dropped (a lost frame). On the receiver thread the frame
     * may be held until the burst it answers has been handled.
     */
    public boolean send(ByteBuffer frame) throws PacketException {
        if (Thread.currentThread() == batching && batch.add(frame)) {
            if (batch.isFull()) {
                batch.flush(socket);
            }
            return true;
        }
        return socket.send(frame);
    }

    /** Frames sent in batches that the kernel refused for want of room (lost frames). */
    public long droppedInBatches() {
        return batch.dropped();
    }

    private void receive(Consumer<ByteBuffer> handler) {
        String name = socket.netInterface().name();
        batching = Thread.currentThread();
        boolean failing = false;
        while (running) {
            ByteBuffer frame;
            try {
                if (!batch.isEmpty() && !socket.frameWaiting()) {
                    batch.flush(socket); // the burst is over: its answers go out before we wait
                }
                frame = socket.receive();
                failing = false;
            } catch (PacketException e) {
                if (!failing) {
                    LOG.warn("receiving on {}: {}; retrying", name, e.getMessage());
                    failing = true;
                }
                pause();
                continue;
            }
            if (frame == null) {
                continue;
            }
            try {
                handler.accept(frame);
            } catch (RuntimeException e) {
                LOG.error("a frame on {} was not handled", name, e);
            }
        }
    }

    private void pause() {
        try {
            Thread.sleep(RECEIVE_TIMEOUT_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    /** Stops and joins the receiver thread, then closes the socket. */
    @Override
    public void close() throws PacketException {
        running = false;
        Thread started;
        synchronized (this) {
            started = receiver;
        }
        boolean interrupted = false;
        while (started != null && started.isAlive()) {
            try {
                started.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        try {
            socket.close();
        } finally {
            batch.close();
        }
    }
}
