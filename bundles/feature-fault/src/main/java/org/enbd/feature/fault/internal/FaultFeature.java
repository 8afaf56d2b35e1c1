package org.enbd.feature.fault.internal;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.layer.AttachedFeature;
import org.enbd.api.layer.ExportContext;
import org.enbd.api.layer.ExportEvents;
import org.enbd.api.layer.Feature;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;

/**
 * The {@code fault} feature: delay and error injection per command, from each export's {@code fault.*}
 * parameters (see {@link FaultPlan}). The component owns one thread ({@link Delays}) for every export's delayed
 * requests; an export whose parameters ask for nothing gets no layer at all.
 */
@Component(service = Feature.class, configurationPid = FaultFeature.PID,
        property = Feature.NAME + "=" + FaultFeature.NAME)
@Designate(ocd = FaultConfig.class)
public final class FaultFeature implements Feature {
    static final String NAME = "fault";
    static final String PID = "org.enbd.feature.fault";

    private final Map<String, String> defaults;
    private final long seed;
    private final Delays delays = new Delays("enbd-fault-delays");

    @Activate
    public FaultFeature(FaultConfig config) {
        this(defaults(config.defaults()), config.seed());
    }

    /** The feature without OSGi (tests, embedding): as the configuration's attributes say. */
    public FaultFeature(Map<String, String> defaults, long seed) {
        this.defaults = Map.copyOf(defaults);
        this.seed = seed;
    }

    private static Map<String, String> defaults(String[] entries) {
        Map<String, String> parsed = new HashMap<>();
        for (String entry : entries) {
            if (entry.isBlank()) { // what a console saves for an empty list
                continue;
            }
            int eq = entry.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("fault feature default '" + entry + "': expected fault.KEY=VALUE");
            }
            parsed.put(entry.substring(0, eq).strip(), entry.substring(eq + 1).strip());
        }
        return parsed;
    }

    @Override
    public AttachedFeature attach(ExportContext export, ExportEvents events) throws NbdException {
        Map<String, String> parameters = new HashMap<>(defaults);
        parameters.putAll(export.parameters());
        FaultPlan plan = FaultPlan.parse(export.exportName(), parameters);
        if (plan.inert()) {
            return (next, session) -> next;
        }
        Random random = seed == 0 ? new Random() : new Random(seed);
        return (next, session) -> {
            if (delays.closed()) {
                throw new NbdException(NbdError.ESHUTDOWN, "the fault feature has stopped");
            }
            return new FaultLayer(next, plan, delays, random);
        };
    }

    /** Requests delayed now, waiting for their time. */
    int delayed() {
        return delays.waiting();
    }

    /** Stops the delay thread (joined); requests still delayed fail with ESHUTDOWN. */
    @Deactivate
    public void deactivate() {
        delays.close();
    }
}
