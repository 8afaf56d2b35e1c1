package org.enbd.feature.async.internal;

import java.util.Locale;
import java.util.Map;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.layer.AttachedFeature;
import org.enbd.api.layer.ExportContext;
import org.enbd.api.layer.ExportEvents;
import org.enbd.api.layer.Feature;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code async} feature: ENBD's "the client can ack the kernel late". Stacked on a client device directly above
 * the remote device ({@code enbd client URI --feature async}), it acknowledges writes once it holds a copy, within
 * {@code async.window} bytes (see {@link AckLateWindow} for the rules and the README for the loss windows).
 * {@code async=no-ack} (the server does not answer writes) marks writes for the engine, which does the rest
 * ({@link NoAckWindow}).
 */
@Component(service = Feature.class, configurationPid = AsyncFeature.PID,
        property = Feature.NAME + "=" + AsyncFeature.NAME)
@Designate(ocd = AsyncConfig.class)
public final class AsyncFeature implements Feature {
    static final String NAME = "async";
    static final String PID = "org.enbd.feature.async";
    static final long MAX_WINDOW = 1L << 30;
    private static final Logger LOG = LoggerFactory.getLogger(AsyncFeature.class);

    private final String defaultWindow;

    @Activate
    public AsyncFeature(AsyncConfig config) {
        this(config.window());
    }

    /** The feature without OSGi (tests, embedding), with the window of exports that name none. */
    public AsyncFeature(String defaultWindow) {
        this.defaultWindow = defaultWindow;
    }

    @Override
    public AttachedFeature attach(ExportContext export, ExportEvents events) throws NbdException {
        String where = export.exportName().isEmpty() ? "default export" : "export '" + export.exportName() + "'";
        for (Map.Entry<String, String> e : export.parameters().entrySet()) {
            if (e.getKey().startsWith(NAME + ".") && !e.getKey().equals(NAME + ".window")) {
                throw new NbdException(NbdError.EINVAL, where + ": unknown parameter " + e.getKey()
                        + " (the async feature has async=ack-late and async.window=SIZE)");
            }
        }
        String mode = export.parameter(NAME, "ack-late");
        if (!mode.equals("ack-late") && !mode.equals("no-ack")) {
            throw new NbdException(NbdError.EINVAL, where + ": async=" + mode + " is not a mode (ack-late or"
                    + " no-ack)");
        }
        long window = window(where, export.parameter(NAME + ".window", defaultWindow));
        if (mode.equals("no-ack")) {
            LOG.info("{}: async=no-ack: writes go without replies where the server agrees (ENBD-J servers), each"
                    + " kept until a FLUSH confirms it, up to {} bytes between flushes; a FLUSH still waits for"
                    + " them", where, window);
            NoAckWindow shared = new NoAckWindow(where, window);
            return (next, session) -> new NoAckLayer(next, shared);
        }
        LOG.info("{}: async=ack-late: writes are acknowledged before the server has them, up to {} bytes; a crash"
                + " of this process loses those, a FLUSH still waits for them", where, window);
        AckLateWindow shared = new AckLateWindow(where, window);
        return (next, session) -> new AckLateLayer(next, shared);
    }

    /** A size with an optional K, M or G suffix (powers of 1024), from 4K to 1G. */
    static long window(String where, String text) throws NbdException {
        String t = text.trim().toUpperCase(Locale.ROOT);
        int shift = t.endsWith("K") ? 10 : t.endsWith("M") ? 20 : t.endsWith("G") ? 30 : 0;
        try {
            long value = Long.parseLong(shift == 0 ? t : t.substring(0, t.length() - 1)) << shift;
            if (value >= 4096 && value <= MAX_WINDOW) {
                return value;
            }
        } catch (NumberFormatException e) {
            // the message below says what is accepted
        }
        throw new NbdException(NbdError.EINVAL, where + ": async.window=" + text + " is not a size from 4K to 1G");
    }
}
