package org.enbd.server;

import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.enbd.api.layer.ExportEvent;
import org.enbd.api.layer.ExportEvents;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The events of one export or device, fanned out: its backend and features publish, its connections (and a
 * kernel device) subscribe. Publishing never blocks; each listener hands the event to its own event loop.
 */
public final class ExportEventHub implements ExportEvents {
    private static final Logger LOG = LoggerFactory.getLogger(ExportEventHub.class);

    private final String name;
    private final CopyOnWriteArrayList<Consumer<ExportEvent>> listeners = new CopyOnWriteArrayList<>();

    /** @param name the export or device, for the log line each event gets */
    public ExportEventHub(String name) {
        this.name = name;
    }

    @Override
    public void publish(ExportEvent event) {
        LOG.info("{}: {}", name, describe(event));
        for (Consumer<ExportEvent> listener : listeners) {
            try {
                listener.accept(event);
            } catch (RuntimeException e) {
                LOG.warn("{}: a listener failed on {}", name, event, e);
            }
        }
    }

    /** Calls {@code listener} with each later event until the handle is closed. */
    public AutoCloseable subscribe(Consumer<ExportEvent> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    /** Listeners now subscribed (connections that will hear of events). */
    public int listeners() {
        return listeners.size();
    }

    private static String describe(ExportEvent event) {
        return switch (event) {
            case ExportEvent.SizeChanged s -> "size changed to " + s.size() + " bytes";
            case ExportEvent.MediumChanged m -> (m.present() ? "medium changed" : "medium removed")
                    + (m.detail().isEmpty() ? "" : ": " + m.detail());
        };
    }
}
