package org.enbd.kernel;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.layer.Export;
import org.enbd.api.layer.ExportEvent;
import org.enbd.api.layer.Layer;
import org.enbd.api.layer.SessionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the size and medium changes an export reports to its attached kernel device, one at a time and in the
 * order reported, on a thread of its own: the events come on event loops, and netlink and the ioctls block on the
 * kernel. A new size is NBD_CMD_RECONFIGURE (no medium is size 0); a medium put in is a new disk
 * ({@link KernelDevice#newMedium}). Closed with the device.
 *
 * <p>It also asks, as ENBD's client did, once a second: MEDIA_QUERY (control 0x0200) through the export's stack.
 * A change the server pushed but this device never heard (pushed while no connection was up, or lost with one) is
 * then found within a second and applied as if pushed. An export without removable media answers ENOTSUP the
 * first time and is not asked again; the first answer is the medium the device was attached with.
 */
final class SizeFollower implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SizeFollower.class);
    /** MEDIA_QUERY of bundles/media-removable (org.enbd.media.MediaControl.QUERY). */
    static final int MEDIA_QUERY = 0x0200;

    private final KernelDevice device;
    private final ExecutorService worker;
    private final AutoCloseable subscription;
    private volatile LongConsumer resized = size -> { };
    /** The medium last heard of (pushed or asked); null until the first answer. */
    private volatile ExportEvent.MediumChanged medium;
    private final ScheduledExecutorService asker;
    private final Layer asking;

    SizeFollower(KernelDevice device, Export export) {
        this.device = device;
        this.worker = Executors.newSingleThreadExecutor(Thread.ofPlatform()
                .name("enbd-resize-" + device.device().substring(device.device().lastIndexOf('/') + 1))
                .daemon().factory());
        this.subscription = export.events(this::event);
        String name = device.device().substring(device.device().lastIndexOf('/') + 1);
        Layer layer = null;
        try {
            layer = export.open(SessionContext.plain(export.context(), "medium query"));
        } catch (NbdException | RuntimeException e) {
            LOG.debug("{}: no medium queries: {}", device.device(), e.getMessage());
        }
        this.asking = layer;
        this.asker = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("enbd-medium-" + name)
                .daemon().factory());
        if (layer != null) {
            asker.scheduleWithFixedDelay(this::ask, 1, 1, TimeUnit.SECONDS);
        }
    }

    /** MEDIA_QUERY: "generation=N present=B size=S detail=TEXT"; a change not yet heard of is applied. */
    private void ask() {
        try {
            ByteBuf answer = asking.control(MEDIA_QUERY, Unpooled.EMPTY_BUFFER,
                    ByteBufAllocator.DEFAULT).toCompletableFuture().get(5, TimeUnit.SECONDS);
            String line;
            try {
                line = answer.toString(StandardCharsets.UTF_8);
            } finally {
                answer.release();
            }
            ExportEvent.MediumChanged now = parse(line);
            if (now == null) {
                return;
            }
            ExportEvent.MediumChanged known = medium;
            if (known == null) {
                medium = now; // the medium attached with
            } else if (!known.equals(now)) {
                LOG.info("{}: the server's medium changed without a word to this device ({}); applying it",
                        device.device(), now.detail());
                event(now);
            }
        } catch (ExecutionException e) {
            if (e.getCause() instanceof NbdException n && n.error() == NbdError.ENOTSUP) {
                asker.shutdown(); // not a removable export (or no ENBD extension): nothing to ask
            }
        } catch (TimeoutException | RuntimeException e) {
            LOG.debug("{}: medium query: {}", device.device(), e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The medium an answer describes, as the server's push describes it; null for a line it cannot read. */
    static ExportEvent.MediumChanged parse(String line) {
        Matcher m = Pattern
                .compile("generation=(\\d+) present=(true|false) size=\\d+ detail=(.*)", Pattern.DOTALL)
                .matcher(line.strip());
        return m.matches() ? new ExportEvent.MediumChanged(Boolean.parseBoolean(m.group(2)),
                "generation " + m.group(1) + ": " + m.group(3)) : null;
    }

    /** Who hears of each size applied (the component's status). */
    void onResized(LongConsumer listener) {
        resized = listener;
    }

    private void event(ExportEvent event) {
        if (event instanceof ExportEvent.MediumChanged m) {
            synchronized (this) {
                if (m.equals(medium)) {
                    return; // heard already (pushed on every connection, or asked)
                }
                medium = m;
            }
        }
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
        asker.shutdownNow();
        if (asking != null) {
            asking.close();
        }
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
