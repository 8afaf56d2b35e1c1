package org.enbd.feature.sync.internal;

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
 * The {@code sync} feature: ENBD's sync modes ({@code sync=always|fua-only|none}), per export or client device.
 * {@code none} is said loudly, once per export, in the log: it acknowledges flushes it never made.
 */
@Component(service = Feature.class, configurationPid = SyncFeature.PID,
        property = Feature.NAME + "=" + SyncFeature.NAME)
@Designate(ocd = SyncConfig.class)
public final class SyncFeature implements Feature {
    static final String NAME = "sync";
    static final String PID = "org.enbd.feature.sync";
    private static final Logger LOG = LoggerFactory.getLogger(SyncFeature.class);

    private final String defaultMode;

    @Activate
    public SyncFeature(SyncConfig config) {
        this(config.mode());
    }

    /** The feature without OSGi (tests, embedding), with the mode of exports that name none. */
    public SyncFeature(String defaultMode) {
        this.defaultMode = defaultMode;
    }

    @Override
    public AttachedFeature attach(ExportContext export, ExportEvents events) throws NbdException {
        String where = export.exportName().isEmpty() ? "default export" : "export '" + export.exportName() + "'";
        for (Map.Entry<String, String> e : export.parameters().entrySet()) {
            if (e.getKey().startsWith(NAME + ".")) {
                throw new NbdException(NbdError.EINVAL, where + ": unknown parameter " + e.getKey()
                        + " (the sync feature has one: sync=always|fua-only|none)");
            }
        }
        SyncMode mode = SyncMode.parse(where, export.parameter(NAME, defaultMode));
        if (mode == SyncMode.NONE) {
            LOG.warn("{}: sync=none: FLUSH and FUA are acknowledged WITHOUT reaching the storage; every write "
                    + "since the last real sync is LOST on a crash or power cut. Use it for scratch data only.", where);
        }
        return (next, session) -> new SyncModeLayer(next, mode);
    }
}
