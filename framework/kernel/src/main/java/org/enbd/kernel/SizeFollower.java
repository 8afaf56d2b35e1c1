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
 * Applies the size and medium changes an export reports to its attached kernel device, one at a time and in the
 * order reported, on a thread of its own: the events come on event loops, and netlink and the ioctls block on the
 * kernel. A new size is NBD_CMD_RECONFIGURE (no medium is size 0); a medium put in is a new disk
 * ({@link KernelDevice#newMedium}). Closed with the device.
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
        Runnable work = switch (event) {
            case ExportEvent.SizeChanged changed -> () -> apply(changed.size());
            case ExportEvent.MediumChanged medium when medium.present() -> () -> newMedium(medium.detail());
            case ExportEvent.MediumChanged gone -> () -> LOG.info("{}: no medium ({})", device.device(),
                    gone.detail());
        };
        try {
            worker.execute(work);
        } catch (RejectedExecutionException closing) {
            // the device is being detached: nothing to follow any more
        }
    }

    private void newMedium(String detail) {
        try {
            device.newMedium(detail);
            resized.accept(device.sizeBytes());
        } catch (IOException | RuntimeException e) {
            LOG.warn("{}: cannot take the new medium ({}): {}", device.device(), detail, e.getMessage());
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
