package org.enbd.feature.cow.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.layer.AttachedFeature;
import org.enbd.api.layer.Layer;
import org.enbd.api.layer.SessionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cow feature attached to one export or client device: its overlays. The export's overlay (or each identity's)
 * is made when the first connection opens, since only then is the size below known; a connection-scoped one is
 * made per connection and dropped when it closes. Closing flushes and closes every overlay still open.
 */
final class AttachedCow implements AttachedFeature {
    private static final Logger LOG = LoggerFactory.getLogger(AttachedCow.class);

    private final String where;
    private final String exportName;
    private final CowPlan plan;
    private final Executor io;
    private final long memoryLimit;
    private final Map<String, Overlay> overlays = new ConcurrentHashMap<>();
    private static final String EXPORT_KEY = "\0export";

    AttachedCow(String where, String exportName, CowPlan plan, Executor io, long memoryLimit) {
        this.where = where;
        this.exportName = exportName;
        this.plan = plan;
        this.io = io;
        this.memoryLimit = memoryLimit;
    }

    @Override
    public Layer open(Layer next, SessionContext session) throws NbdException {
        long size = next.size();
        int minimum = next.capabilities().blockSizes().minimum();
        if (plan.blockSize() % minimum != 0) {
            throw new NbdException(NbdError.EINVAL, where + ": cow.block-size " + plan.blockSize()
                    + " is not a multiple of the disk's block size " + minimum);
        }
        String scope = plan.scope().label();
        return switch (plan.scope()) {
            case EXPORT -> new CowLayer(next, shared(EXPORT_KEY, size), io, exportName, scope, true, null);
            case IDENTITY -> {
                if (session.identity() == null) {
                    throw new NbdException(NbdError.EPERM, where + ": cow.scope=identity serves authenticated "
                            + "peers only (TLS or SSH), and " + session.peer() + " has no identity");
                }
                yield new CowLayer(next, shared(session.identity(), size), io, exportName, scope, false, null);
            }
            case CONNECTION -> {
                Overlay own = new MemoryOverlay(size, plan.blockSize(), new SerialQueue(io), memoryLimit);
                yield new CowLayer(next, own, io, exportName, scope, false, own::close);
            }
        };
    }

    /** The overlay kept under {@code key}, made on first use for a disk of {@code size} bytes. */
    private synchronized Overlay shared(String key, long size) throws NbdException {
        Overlay overlay = overlays.get(key);
        if (overlay == null) {
            SerialQueue queue = new SerialQueue(io);
            overlay = plan.file() == null ? new MemoryOverlay(size, plan.blockSize(), queue, memoryLimit)
                    : FileOverlay.open(plan.file(), size, plan.blockSize(), queue);
            overlays.put(key, overlay);
            LOG.info("{}: copy-on-write overlay in {}{}, {} of {} blocks changed", where, overlay.store(),
                    key.equals(EXPORT_KEY) ? "" : " for " + key, overlay.dataBlocks() + overlay.zeroBlocks(),
                    overlay.blocks());
        } else if (overlay.size != size) {
            throw new NbdException(NbdError.EINVAL, where + ": the disk is now " + size + " bytes; its overlay "
                    + "was made for " + overlay.size);
        }
        return overlay;
    }

    /** Flushes (a file overlay keeps what was written even without a client's flush) and closes each overlay. */
    @Override
    public synchronized void close() {
        List<Overlay> all = new ArrayList<>(overlays.values());
        overlays.clear();
        for (Overlay overlay : all) {
            try {
                overlay.queue().then(() -> {
                    try {
                        overlay.flush();
                        return Layer.done();
                    } catch (NbdException e) {
                        return java.util.concurrent.CompletableFuture.<Void>failedFuture(e);
                    }
                }).get(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                LOG.warn("{}: cannot flush the overlay in {} on close: {}", where, overlay.store(), e.getMessage());
            }
            overlay.close();
        }
    }
}
