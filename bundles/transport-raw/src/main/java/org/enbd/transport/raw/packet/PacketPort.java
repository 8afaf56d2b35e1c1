package org.enbd.transport.raw.packet;

import java.nio.ByteBuffer;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link PacketSocket} with the thread that receives from it: the port's owner starts it with a handler, and
 * {@link #close} stops the thread, joins it and then closes the socket. The handler runs on that thread, one
 * frame at a time, and must not block (it hands requests to the request path and returns). Sending is allowed
 * from any thread and never blocks.
 */
public final class PacketPort implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PacketPort.class);
    /** How long a receive waits before the thread looks at its stop flag: the longest {@link #close} waits. */
    private static final long RECEIVE_TIMEOUT_MS = 200;

    private final PacketSocket socket;
    private final String threadName;
    private Thread receiver;
    private volatile boolean running = true;

    private PacketPort(PacketSocket socket, String threadName) {
        this.socket = socket;
        this.threadName = threadName;
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

    /** Sends one frame without waiting; false when it was dropped (a lost frame). */
    public boolean send(ByteBuffer frame) throws PacketException {
        return socket.send(frame);
    }

    private void receive(Consumer<ByteBuffer> handler) {
        String name = socket.netInterface().name();
        boolean failing = false;
        while (running) {
            ByteBuffer frame;
            try {
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
        socket.close();
    }
}
