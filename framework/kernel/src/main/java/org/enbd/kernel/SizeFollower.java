package org.enbd.kernel;

import java.io.IOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import org.enbd.api.layer.Export;
import org.enbd.api.layer.ExportEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the size changes an export reports to its attached kernel device, one at a time, on a thread of its
 * own: the events come on event loops, and netlink and the ioctls block on the kernel. Closed with the device.
 */
final class SizeFollower implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SizeFollower.class);

    private final KernelDevice device;
    private final ExecutorService worker;
    private final AutoCloseable subscription;
    private volatile LongConsumer resized = size -> { };

    SizeFollower(KernelDevice device, Export export) {
        this.device = device;
        this.worker = Executors.newSingleThreadExecutor(Thread.ofPlatform()
                .name("enbd-resize-" + device.device().substring(device.device().lastIndexOf('/') + 1))
                .daemon().factory());
        this.subscription = export.events(this::event);
    }

    /** Who hears of each size applied (the component's status). */
    void onResized(LongConsumer listener) {
        resized = listener;
    }

    private void event(ExportEvent event) {
        if (event instanceof ExportEvent.SizeChanged changed) {
            try {
                worker.execute(() -> apply(changed.size()));
            } catch (RejectedExecutionException closing) {
                // the device is being detached: no size to follow any more
            }
        }
    }

    private void apply(long size) {
        long before = device.sizeBytes();
        if (size == before) {
            return;
        }
        try {
            device.resize(size);
            LOG.info("{} resized from {} to {} bytes (NBD_CMD_RECONFIGURE): the export's size changed",
                    device.device(), before, size);
            resized.accept(size);
        } catch (IOException | RuntimeException e) {
            LOG.warn("{}: cannot resize to {} bytes: {}", device.device(), size, e.getMessage());
        }
    }

    @Override
    public void close() {
        try {
            subscription.close();
        } catch (Exception e) {
            LOG.warn("{}: {}", device.device(), e.toString());
        }
        worker.shutdownNow();
        try {
            worker.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
