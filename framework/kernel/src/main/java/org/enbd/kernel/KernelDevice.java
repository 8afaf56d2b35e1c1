package org.enbd.kernel;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.enbd.api.NbdException;
import org.enbd.api.layer.Capabilities;
import org.enbd.api.layer.Export;
import org.enbd.api.layer.Layer;
import org.enbd.api.layer.SessionContext;
import org.enbd.api.stream.EventLoops;
import org.enbd.kernel.ioctl.NbdIoctl;
import org.enbd.kernel.netlink.FamilyMissingException;
import org.enbd.kernel.netlink.NbdConnect;
import org.enbd.kernel.netlink.NbdNetlink;
import org.enbd.kernel.netlink.NbdReconfigure;
import org.enbd.server.ServerLimits;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link Export} attached to /dev/nbdN: the relay sockets handed to the kernel by netlink NBD_CMD_CONNECT, or
 * by the ioctls when the kernel has no nbd netlink family, each served from its own layer of the export's stack.
 * When the export reports a new size the device follows it ({@link #resize}, on a thread of its own). Plain
 * Java; the DS component wraps it. Closing it disconnects, waits for the kernel to let go of the sockets
 * (which closes their layers) and removes the state file; the export is the caller's to close.
 */
public final class KernelDevice implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KernelDevice.class);
    private static final long LET_GO_TIMEOUT_S = 15;

    private final DeviceOptions options;
    private final int index;
    private volatile long sizeBytes;
    private volatile int blockSize;
    /** The relay the kernel holds now: a new medium on a netlink device gets a new one ({@link NewMedium}). */
    private volatile KernelRelay relay;
    private final NbdIoctl ioctl; // null when attached through netlink
    private final DeviceStateFile states;
    /** NBD_ATTR_BACKEND_IDENTIFIER as connected: the kernel wants it again in every reconfigure. */
    private final String backend;
    private final Export export;
    private final EventLoops loops;
    /** Completes when the kernel let go of the device, not when a new medium replaces the relay. */
    private final CompletableFuture<Void> released = new CompletableFuture<>();
    private SizeFollower sizes;

    private KernelDevice(DeviceOptions options, int index, long sizeBytes, int blockSize, KernelRelay relay,
                         NbdIoctl ioctl, DeviceStateFile states, String backend, Export export,
                         EventLoops loops) {
        this.loops = loops;
        this.options = options;
        this.backend = backend;
        this.index = index;
        this.sizeBytes = sizeBytes;
        this.blockSize = blockSize;
        this.ioctl = ioctl;
        this.states = states;
        this.export = export;
        follow(relay);
    }

    /** Makes {@code next} the relay; when the kernel lets go of it while it is still the relay, the device is gone. */
    void follow(KernelRelay next) {
        relay = next;
        next.allClosed().thenRun(() -> {
            if (relay == next) {
                released.complete(null);
            }
        });
    }

    DeviceOptions options() {
        return options;
    }

    String backend() {
        return backend;
    }

    EventLoops loops() {
        return loops;
    }

    Export export() {
        return export;
    }

    KernelRelay relay() {
        return relay;
    }

    void blockSize(int size) {
        blockSize = size;
    }

    void sizeBytes(long size) {
        sizeBytes = size;
    }

    /**
     * Attaches {@code export} to the device, served by the server engine's transmission phase on a layer opened
     * from it per relay socket, with the real sysfs and /run/enbd. Call from a thread that may block.
     */
    public static KernelDevice attach(DeviceOptions options, Export export, EventLoops loops) throws IOException {
        return attach(options, export, loops, new DeviceTable(),
                new DeviceStateFile(DeviceStateFile.DEFAULT_DIRECTORY));
    }

    static KernelDevice attach(DeviceOptions options, Export export, EventLoops loops, DeviceTable table,
                               DeviceStateFile states) throws IOException {
        int index = indexOf(options.device());
        DeviceOwner me = DeviceOwner.current(options.server());
        NbdNetlink netlink = options.method() == AttachMethod.IOCTL ? null : openNetlink(options.method());
        try {
            new StaleDevice(table, options.device(), index).takeOver(netlink);
            List<Layer> layers = openLayers(options, export);
            KernelTransmission transmission = transmission(options, layers);
            long size = transmission.size();
            int flags = transmission.serverFlags();
            int blockSize = blockSize(size, transmission.capabilities());
            KernelRelay relay = KernelRelay.open(loops, layers, transmission);
            NbdIoctl ioctl = null;
            String method = netlink != null ? "netlink" : "ioctl";
            // written before the kernel shows the device, so whoever sees it attached can read who holds it
            recordState(states, index, new DeviceStateFile.State(options.device(), me.pid(), options.server(),
                    relay.connections(), method));
            try {
                if (netlink != null) {
                    netlink.connect(new NbdConnect(index, size, blockSize, flags, options.timeoutS(),
                            options.deadConnTimeoutS(), me.backend(), relay.kernelSockets()));
                } else {
                    ioctl = NbdIoctl.open(options.device());
                    ioctl.start(size, blockSize, flags, options.timeoutS(), relay.kernelSockets());
                }
                relay.releaseKernelSockets();
            } catch (IOException | RuntimeException e) {
                relay.close();
                if (ioctl != null) {
                    ioctl.close();
                }
                states.delete(index);
                throw e;
            }
            LOG.info("{} attached through {}: {} bytes, block size {}, {} connection(s), flags 0x{}, serving {}",
                    options.device(), method, size, blockSize, relay.connections(), Integer.toHexString(flags),
                    options.server());
            if (netlink != null) { // an ioctl-attached device is served once NBD_DO_IT runs, maybe not yet
                PartitionRescan.request(options.device());
            }
            KernelDevice device = new KernelDevice(options, index, size, blockSize, relay, ioctl, states,
                    me.backend(), export, loops);
            device.sizes = new SizeFollower(device, export);
            return device;
        } finally {
            if (netlink != null) {
                netlink.close();
            }
        }
    }

    /** The phase for the kernel, from the first layer's size and capabilities (one stack: it speaks for all). */
    static KernelTransmission transmission(DeviceOptions options, List<Layer> layers) throws IOException {
        try {
            Layer first = layers.getFirst();
            return new KernelTransmission(first.capabilities(), first.size(), ServerLimits.DEFAULT);
        } catch (NbdException | RuntimeException e) {
            layers.forEach(Layer::close);
            throw new IOException(options.device() + ": cannot read the export's size and capabilities: "
                    + e.getMessage(), e);
        }
    }

    /** One layer of the export's stack per relay socket, each closed with its socket. */
    static List<Layer> openLayers(DeviceOptions options, Export export) throws IOException {
        List<Layer> layers = new ArrayList<>();
        try {
            for (int i = 0; i < options.connections(); i++) {
                layers.add(export.open(SessionContext.plain(export.context(), options.device() + "#" + i)));
            }
            return layers;
        } catch (NbdException | RuntimeException e) {
            layers.forEach(Layer::close);
            throw new IOException(options.device() + ": cannot open the export's stack: " + e.getMessage(), e);
        }
    }

    /** Netlink when the kernel has the nbd family; null means use the ioctls. */
    private static NbdNetlink openNetlink(AttachMethod method) throws IOException {
        try {
            return NbdNetlink.open();
        } catch (FamilyMissingException e) {
            if (method == AttachMethod.NETLINK) {
                throw e;
            }
            LOG.info("{}; using the NBD ioctls", e.getMessage());
            return null;
        }
    }

    private static void recordState(DeviceStateFile states, int index, DeviceStateFile.State state) {
        try {
            states.write(index, state);
        } catch (IOException e) {
            LOG.warn("{}: cannot write the state file ({}); enbd list will not name the server", state.device(),
                    e.getMessage());
        }
    }

    public String device() {
        return options.device();
    }

    public int index() {
        return index;
    }

    public long sizeBytes() {
        return sizeBytes;
    }

    public int blockSize() {
        return blockSize;
    }

    /** "netlink" or "ioctl". */
    public String method() {
        return ioctl == null ? "netlink" : "ioctl";
    }

    /** Relay connections the kernel still holds. */
    public long openConnections() {
        return relay.openChannels();
    }

    /** Completes when the kernel has let go of every relay socket (disconnected, by us or by another tool). */
    public CompletableFuture<Void> released() {
        return released;
    }

    /**
     * Tells the relay and the kernel the export's new size: the relay's connections check requests against it,
     * and the kernel resizes the disk (netlink NBD_CMD_RECONFIGURE, or the ioctl on an ioctl-attached device).
     * Blocks on the kernel: call it off any event loop.
     */
    public synchronized void resize(long newSize) throws IOException {
        relay.resize(newSize);
        if (ioctl != null) {
            ioctl.resize(newSize, blockSize);
        } else {
            try (NbdNetlink netlink = NbdNetlink.open()) {
                netlink.reconfigure(new NbdReconfigure(index, newSize, backend));
            }
        }
        sizeBytes = newSize;
    }

    /** Who hears of each size change applied after the export reported it; one listener. */
    public void onResized(java.util.function.LongConsumer listener) {
        sizes.onResized(listener);
    }

    /**
     * A new medium is in (the export said so): the kernel drops what it cached of the old one and counts a new disk
     * ({@link NewMedium}). Blocks on the kernel: call it off any event loop.
     */
    public synchronized void newMedium(String detail) throws IOException {
        new NewMedium(this, detail).apply();
    }

    /** Disconnects, waits for the kernel to let go, closes the relay and removes the state file. */
    @Override
    public void close() {
        sizes.close();
        KernelRelay relay = this.relay;
        try {
            // even when the relay channels are gone the kernel keeps the configuration until told
            if (ioctl != null) {
                ioctl.close();
            } else {
                try (NbdNetlink netlink = NbdNetlink.open()) {
                    netlink.disconnect(index);
                }
            }
            relay.allClosed().get(LET_GO_TIMEOUT_S, TimeUnit.SECONDS);
        } catch (IOException | ExecutionException e) {
            LOG.warn("{}: disconnect failed: {}", options.device(), e.getMessage());
        } catch (TimeoutException e) {
            LOG.warn("{}: the kernel still holds the relay sockets {} s after disconnect", options.device(),
                    LET_GO_TIMEOUT_S);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            relay.close();
            try {
                states.delete(index);
            } catch (IOException e) {
                LOG.warn("{}: cannot remove the state file: {}", options.device(), e.getMessage());
            }
        }
        LOG.info("{} detached", options.device());
    }

    /**
     * The logical block size: 512, or the layer's minimum block size when that is larger, as nbd-client and
     * qemu-nbd attach. A disk image's partition table and its file systems are laid out in 512-byte sectors: with
     * 4096-byte logical blocks the kernel looks for a GPT header at byte 4096 and finds none (sgdisk's and parted's
     * images show no partitions), and an ext4 of 1 KiB blocks cannot be mounted. The page cache still sends whole
     * pages.
     */
    static int blockSize(long sizeBytes, Capabilities caps) {
        return Math.max(512, caps.blockSizes().minimum());
    }

    /** N of /dev/nbdN. */
    static int indexOf(String device) {
        String name = device.substring(device.lastIndexOf('/') + 1);
        int index = DeviceTable.indexOf(name);
        if (index < 0) {
            throw new IllegalArgumentException("not an NBD device node (expected /dev/nbdN): " + device);
        }
        return index;
    }
}
