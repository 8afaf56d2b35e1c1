package org.enbd.kernel.ioctl;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.enbd.kernel.sys.Libc;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The nbd driver's older interface, for kernels without its netlink family: ioctls on an open /dev/nbdN. The
 * device runs only while a thread sits in NBD_DO_IT, so this object owns that thread (a platform thread: it blocks
 * in the kernel) and joins it on {@link #close()}.
 */
public final class NbdIoctl implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NbdIoctl.class);
    // _IO(0xab, n) from include/uapi/linux/nbd.h
    static final long NBD_SET_SOCK = 0xab00;
    static final long NBD_SET_BLKSIZE = 0xab01;
    static final long NBD_DO_IT = 0xab03;
    static final long NBD_CLEAR_SOCK = 0xab04;
    static final long NBD_SET_SIZE_BLOCKS = 0xab07;
    static final long NBD_DISCONNECT = 0xab08;
    static final long NBD_SET_TIMEOUT = 0xab09;
    static final long NBD_SET_FLAGS = 0xab0a;

    private final String device;
    private final int fd;
    private final CompletableFuture<Integer> done = new CompletableFuture<>();
    private Thread doIt;

    private NbdIoctl(String device, int fd) {
        this.device = device;
        this.fd = fd;
    }

    /** Opens the device node read-write. */
    public static NbdIoctl open(String device) throws IOException {
        return new NbdIoctl(device, Libc.open(device, Libc.O_RDWR | Libc.O_CLOEXEC));
    }

    /**
     * Configures the device and hands it the sockets, then starts NBD_DO_IT on its own thread. The kernel takes
     * its own reference to each socket. {@code sizeBytes} is rounded down to a whole number of blocks.
     */
    public void start(long sizeBytes, int blockSize, int serverFlags, long timeoutS, int[] sockets) throws IOException {
        ioctl(NBD_SET_BLKSIZE, blockSize, "NBD_SET_BLKSIZE");
        ioctl(NBD_SET_SIZE_BLOCKS, sizeBytes / blockSize, "NBD_SET_SIZE_BLOCKS");
        ioctl(NBD_SET_FLAGS, serverFlags, "NBD_SET_FLAGS");
        ioctl(NBD_SET_TIMEOUT, timeoutS, "NBD_SET_TIMEOUT");
        try {
            for (int socket : sockets) {
                ioctl(NBD_SET_SOCK, socket, "NBD_SET_SOCK");
            }
        } catch (IOException e) {
            clearQuietly();
            throw e;
        }
        doIt = Thread.ofPlatform().name("enbd-do-it-" + device.substring(device.lastIndexOf('/') + 1)).daemon(true)
                .start(this::runDevice);
    }

    /** Resizes a running device (NBD_SET_SIZE_BLOCKS works while NBD_DO_IT runs). */
    public void resize(long sizeBytes, int blockSize) throws IOException {
        ioctl(NBD_SET_SIZE_BLOCKS, sizeBytes / blockSize, "NBD_SET_SIZE_BLOCKS");
    }

    /** Completes with NBD_DO_IT's result (0 after a clean disconnect) once the device stops. */
    public CompletableFuture<Integer> stopped() {
        return done;
    }

    private void runDevice() {
        int result = 0;
        try {
            ioctl(NBD_DO_IT, 0, "NBD_DO_IT");
        } catch (IOException e) {
            // EPIPE/EIO when the sockets died, EBUSY when another process runs the device
            LOG.info("{}: NBD_DO_IT ended: {}", device, e.getMessage());
            result = -1;
        } finally {
            clearQuietly();
            done.complete(result);
        }
    }

    /** NBD_DISCONNECT: the kernel sends NBD_CMD_DISC and NBD_DO_IT returns. */
    public void disconnect() throws IOException {
        ioctl(NBD_DISCONNECT, 0, "NBD_DISCONNECT");
    }

    /** NBD_CLEAR_SOCK: drops the sockets and the configuration they hold (for a device whose owner died). */
    public void clearSockets() throws IOException {
        ioctl(NBD_CLEAR_SOCK, 0, "NBD_CLEAR_SOCK");
    }

    /** Disconnects if still running, waits for NBD_DO_IT to return (its thread joined), closes the device node. */
    @Override
    public void close() throws IOException {
        try {
            if (doIt != null && !done.isDone()) {
                disconnect();
                done.get(30, TimeUnit.SECONDS);
            }
            if (doIt != null) {
                doIt.join(TimeUnit.SECONDS.toMillis(5));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
            LOG.warn("{}: NBD_DO_IT did not return after NBD_DISCONNECT", device);
        } finally {
            Libc.close(fd);
        }
    }

    private void clearQuietly() {
        try {
            ioctl(NBD_CLEAR_SOCK, 0, "NBD_CLEAR_SOCK");
        } catch (IOException e) {
            LOG.debug("{}: {}", device, e.getMessage());
        }
    }

    private int ioctl(long request, long argument, String name) throws IOException {
        return Libc.ioctl(fd, request, argument, "ioctl " + name + " on " + device);
    }
}
