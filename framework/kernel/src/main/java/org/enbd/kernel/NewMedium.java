package org.enbd.kernel;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.enbd.api.layer.Layer;
import org.enbd.kernel.netlink.NbdConnect;
import org.enbd.kernel.netlink.NbdGenl;
import org.enbd.kernel.netlink.NbdNetlink;
import org.enbd.kernel.netlink.NbdReconfigure;
import org.enbd.kernel.sys.Errno;
import org.enbd.kernel.sys.ErrnoException;
import org.enbd.kernel.sys.Libc;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a kernel device does when the export reports a new medium, with what the stock 6.1 driver offers (measured
 * in the VM, itests/media-kernel): nbd has no check_events, and on 6.1 neither NBD_CLEAR_SOCK nor a netlink
 * DISCONNECT and CONNECT again moves /sys/block/nbdN/diskseq (the disk stays the same gendisk). A new disk does:
 * RECONFIGURE sets NBD_CFLAG_DESTROY_ON_DISCONNECT, DISCONNECT drops the old disk with its page cache, and
 * CONNECT on the same index waits until it is gone and makes a fresh one (a new disk sequence number, `remove` and
 * `add` uevents) served by a new relay; then BLKRRPART reads the partition table again and a `change` uevent tells
 * udev to probe the new contents. A disk held exclusively (mounted) cannot be replaced (CONNECT would wait for the
 * holder): it gets BLKFLSBUF (dirty pages written, which the server refuses, then the page cache dropped) and the
 * `change` uevent, as does an ioctl-attached device. Last, MEDIA_ACCEPT tells the server that from now on this
 * client writes for the new medium: until then the server refuses writes (the old medium's, late).
 */
final class NewMedium {
    private static final Logger LOG = LoggerFactory.getLogger(NewMedium.class);
    /** media-removable's MEDIA_ACCEPT (org.enbd.media.MediaControl.ACCEPT): the kernel bundle cannot import it. */
    static final int MEDIA_ACCEPT = 0x0201;
    private static final long BLKRRPART = 0x125f;
    private static final long BLKFLSBUF = 0x1261;
    private static final int O_EXCL = 0200;
    private static final long LET_GO_TIMEOUT_S = 15;
    private static final long GONE_TIMEOUT_S = 30;
    private static final Pattern GENERATION = Pattern.compile("^generation (\\d+)");

    private final KernelDevice device;
    private final String detail;

    NewMedium(KernelDevice device, String detail) {
        this.device = device;
        this.detail = detail;
    }

    void apply() throws IOException {
        String node = device.device();
        boolean replaced = device.method().equals("netlink") && !heldExclusively(node);
        if (replaced) {
            replaceDisk();
            rereadPartitions(node);
        } else {
            flushBuffers(node);
        }
        changeUevent();
        accept();
        LOG.info("{}: new medium ({}): {}", node, detail, replaced
                ? "a new disk (diskseq " + diskseq() + "), partitions read again"
                : "page cache dropped (BLKFLSBUF); the disk is " + (device.method().equals("netlink")
                ? "held open exclusively (mounted?), so it keeps its disk sequence" : "ioctl-attached"));
    }

    /** Another relay and a fresh disk on the same index (see the class comment). */
    private void replaceDisk() throws IOException {
        DeviceOptions options = device.options();
        List<Layer> layers = KernelDevice.openLayers(options, device.export());
        KernelTransmission transmission = KernelDevice.transmission(options, layers);
        long size = transmission.size();
        int blockSize = KernelDevice.blockSize(size, transmission.capabilities());
        KernelRelay old = device.relay();
        KernelRelay next = KernelRelay.open(device.loops(), layers, transmission);
        try (NbdNetlink netlink = NbdNetlink.open()) {
            netlink.reconfigure(new NbdReconfigure(device.index(), device.sizeBytes(), device.backend(),
                    NbdGenl.CLIENT_FLAG_DESTROY_ON_DISCONNECT));
            device.follow(next); // the old relay closing is no longer the device going away
            netlink.disconnect(device.index());
            waitLetGo(old);
            connectWhenGone(netlink, new NbdConnect(device.index(), size, blockSize, transmission.serverFlags(),
                    options.timeoutS(), options.deadConnTimeoutS(), device.backend(), next.kernelSockets()));
            next.releaseKernelSockets();
        } catch (IOException | RuntimeException e) {
            next.close(); // the device is gone: its released() completes, and the owner sees it
            throw e;
        } finally {
            old.close();
        }
        device.sizeBytes(size);
        device.blockSize(blockSize);
    }

    /**
     * CONNECT on the index once the old disk is gone: until its last opener closes it and the driver's remove
     * work has run, 6.1 refuses with EINVAL ("device at index N is going down").
     */
    private void connectWhenGone(NbdNetlink netlink, NbdConnect request) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(GONE_TIMEOUT_S);
        while (true) {
            try {
                netlink.connect(request);
                return;
            } catch (ErrnoException e) {
                if (e.errno() != Errno.EINVAL.value() || System.nanoTime() > deadline) {
                    throw new IOException(device.device() + ": the old disk did not go within " + GONE_TIMEOUT_S
                            + " s (is it held open?): " + e.getMessage(), e);
                }
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while replacing the disk of " + device.device(), e);
            }
        }
    }

    private void waitLetGo(KernelRelay old) throws IOException {
        try {
            old.allClosed().get(LET_GO_TIMEOUT_S, TimeUnit.SECONDS);
        } catch (TimeoutException | ExecutionException e) {
            throw new IOException(device.device() + ": the kernel still holds the old medium's sockets "
                    + LET_GO_TIMEOUT_S + " s after NBD_CMD_DISCONNECT");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while replacing the disk of " + device.device(), e);
        }
    }

    private static boolean heldExclusively(String node) throws IOException {
        try {
            Libc.close(Libc.open(node, O_EXCL | Libc.O_CLOEXEC));
            return false;
        } catch (ErrnoException e) {
            if (e.errno() == Errno.EBUSY.value()) {
                return true;
            }
            throw e;
        }
    }

    private static void rereadPartitions(String node) throws IOException {
        int fd = Libc.open(node, Libc.O_CLOEXEC);
        try {
            Libc.ioctl(fd, BLKRRPART, 0, "ioctl BLKRRPART on " + node);
        } catch (ErrnoException e) {
            // EINVAL: the driver was loaded with max_part=0, so there is no partition table to read
            LOG.debug("{}", e.getMessage());
        } finally {
            Libc.close(fd);
        }
    }

    private static void flushBuffers(String node) throws IOException {
        int fd = Libc.open(node, Libc.O_CLOEXEC);
        try {
            Libc.ioctl(fd, BLKFLSBUF, 0, "ioctl BLKFLSBUF on " + node);
        } finally {
            Libc.close(fd);
        }
    }

    private Path sysfs() {
        return Path.of("/sys/block", device.device().substring(device.device().lastIndexOf('/') + 1));
    }

    /** A synthetic `change` uevent: udev (blkid, the desktop) probes the device's contents again. */
    private void changeUevent() {
        try {
            Files.writeString(sysfs().resolve("uevent"), "change");
        } catch (IOException e) {
            LOG.warn("{}: cannot send a change uevent: {}", device.device(), e.getMessage());
        }
    }

    private String diskseq() {
        try {
            return Files.readString(sysfs().resolve("diskseq")).strip();
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** MEDIA_ACCEPT naming the generation the event named (empty: whatever is in now); best effort. */
    private void accept() {
        Matcher m = GENERATION.matcher(detail);
        ByteBuf request = Unpooled.copiedBuffer(m.find() ? m.group(1) : "", StandardCharsets.US_ASCII);
        KernelRelay relay = device.relay();
        try {
            ByteBuf reply = relay.firstLayer().control(MEDIA_ACCEPT, request, ByteBufAllocator.DEFAULT)
                    .toCompletableFuture().get(LET_GO_TIMEOUT_S, TimeUnit.SECONDS);
            reply.release();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("{}: the server did not take MEDIA_ACCEPT ({}): it refuses writes until a client accepts the "
                    + "new medium", device.device(), e.getCause() != null ? e.getCause().getMessage() : e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            request.release();
        }
    }
}
