package org.enbd.server.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.enbd.api.NbdException;
import org.enbd.api.control.Status;
import org.enbd.api.control.StatusBoard;
import org.enbd.api.layer.BackendFactory;
import org.enbd.api.layer.Export;
import org.enbd.api.layer.ExportContext;
import org.enbd.api.layer.Feature;
import org.enbd.api.layer.Layer;
import org.enbd.server.ExportEventHub;
import org.enbd.server.FeatureSet;
import org.enbd.server.RestackableExport;
import org.enbd.server.StackEntry;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * One configured export: opens its backend through the {@link BackendFactory} of its type and names its features
 * by {@link Feature#NAME}, then registers an {@link Export} service named by {@link Export#NAME}. Backends and
 * features come and go as bundles do: the export is (re)built when all it names is present and withdrawn when
 * something it uses goes away, and its state is reported to the {@link StatusBoard} under its PID.
 */
@Component(configurationPid = "org.enbd.server.export", configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = {})
@Designate(ocd = ExportComponent.Config.class, factory = true)
public final class ExportComponent {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ExportComponent.class);
    /** An export's configuration; every other String property is passed to its layers as a parameter. */
    @ObjectClassDefinition(name = "ENBD export", description = "A backend and its feature stack, served by name")
    public @interface Config {
        @AttributeDefinition(name = "Name", description = "Export name clients ask for; empty for the default export")
        String name() default "";

        @AttributeDefinition(name = "Backend", description = "memory:SIZE, file:PATH, device:PATH, or a bare path")
        String backend();

        @AttributeDefinition(name = "Read-only", description = "Refuse writes, trims and zeroes (EPERM)")
        boolean readOnly() default false;

        @AttributeDefinition(name = "Description",
                description = "One line shown by NBD_OPT_LIST and NBD_INFO_DESCRIPTION")
        String description() default "";

        @AttributeDefinition(name = "Features", description = "Feature names, outermost first (one per entry, "
                + "or joined with +: stats+fault); each feature's settings are further properties, e.g. "
                + "fault.error=EIO")
        String[] features() default {};
    }

    /** How long requests inside a leaving feature may take to finish before its stack is detached anyway. */
    private static final Duration DRAIN = Duration.ofSeconds(30);
    private static final Set<String> OWN = Set.of("name", "backend", "readOnly", "description", "features");

    private final BundleContext bundle;
    private final BackendDeclarations declarations = new BackendDeclarations();
    private final StatusBoard status;
    private final String id;
    private Config config;
    private ExportContext context;
    private final Map<String, BackendFactory> backends = new ConcurrentHashMap<>();
    private final FeatureSet features = new FeatureSet();
    private List<String> stackNames;
    private RestackableExport export;
    private ServiceRegistration<Export> registration;
    private boolean active;

    @Activate
    public ExportComponent(BundleContext bundle, @Reference StatusBoard status, Config config,
            Map<String, Object> properties) {
        this.bundle = bundle;
        this.status = status;
        this.config = config;
        this.id = String.valueOf(properties.getOrDefault("service.pid", "export:" + config.name()));
        this.context = contextOf(config, properties);
        this.stackNames = FeatureSet.parseNames(config.features());
        synchronized (this) {
            active = true;
            refresh();
        }
    }

    private static ExportContext contextOf(Config config, Map<String, Object> properties) {
        Map<String, String> parameters = new HashMap<>();
        properties.forEach((key, value) -> {
            if (value instanceof String s && !OWN.contains(key) && !key.startsWith("service.")
                    && !key.startsWith("component.") && !key.startsWith("felix.")) {
                parameters.put(key, s);
            }
        });
        // features that act on the storage itself (remote ioctls, removable media) read where it is
        parameters.put("backend", config.backend());
        return new ExportContext(config.name(), config.readOnly(), parameters);
    }

    /**
     * A changed configuration (the Web Console, an edited {@code etc/} file, the ENBD-J page's features field).
     * Only the feature names changed: the stack is replaced under the open connections (RestackableExport), no
     * client notices. Anything else: the new export is built completely (backend opened, features attached)
     * before the old one is withdrawn, so a value that cannot be applied (a missing file, an unknown backend type,
     * a feature refusing its parameters) leaves the old export serving, and the status says FAILED with the reason
     * and what is still served. A new configuration that waits for something not installed yet replaces the old
     * one and waits, as at start.
     */
    @Modified
    synchronized void modified(Config next, Map<String, Object> properties) {
        ExportContext nextContext = contextOf(next, properties);
        List<String> nextNames = FeatureSet.parseNames(next.features());
        if (export != null && next.name().equals(config.name()) && next.description().equals(config.description())
                && nextContext.equals(context)) {
            config = next;
            stackNames = nextNames;
            refresh(); // the backend is here: restacks under the open connections
            return;
        }
        if (export != null) {
            String refusal = replace(next, nextContext, nextNames);
            if (refusal != null) {
                String detail = "new configuration not applied (" + next.backend()
                        + (nextNames.isEmpty() ? "" : " with " + String.join("+", nextNames)) + "): " + refusal
                        + "; still serving " + config.backend();
                LOG.warn("{}: {}", id, detail);
                report(Status.State.FAILED, detail);
            }
            return;
        }
        config = next;
        context = nextContext;
        stackNames = nextNames;
        refresh();
    }

    /** Builds the export of a new configuration, then withdraws the old one; the reason when it cannot be built. */
    private String replace(Config next, ExportContext nextContext, List<String> nextNames) {
        BackendSpec spec;
        try {
            spec = BackendSpec.parse(next.backend());
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        BackendFactory factory = backends.get(spec.type());
        List<String> missing = new ArrayList<>();
        List<StackEntry> stack = features.resolve(nextNames, missing);
        if (factory == null && !declarations.of(bundle).containsKey(spec.type())) {
            return "unknown backend type '" + spec.type() + "' (known: "
                    + String.join(", ", declarations.of(bundle).keySet()) + ")";
        }
        if (factory == null || !missing.isEmpty()) {
            // waits for a bundle, as at start: no failure to keep the old export for
            withdraw();
            config = next;
            context = nextContext;
            stackNames = nextNames;
            refresh();
            return null;
        }
        RestackableExport built;
        try {
            built = build(next, nextContext, nextNames, spec, factory, stack);
        } catch (Unbuildable e) {
            return e.getMessage();
        }
        withdraw();
        config = next;
        context = nextContext;
        stackNames = nextNames;
        publish(built);
        return null;
    }

    /** Why an export could not be built, in the words its status shows. */
    private static final class Unbuildable extends Exception {
        Unbuildable(String reason) {
            super(reason, null, false, false);
        }
    }

    /** Opens the backend of {@code cfg} and stacks {@code stack} on it; the backend is closed again on failure. */
    private static RestackableExport build(Config cfg, ExportContext ctx, List<String> names, BackendSpec spec,
                                           BackendFactory factory, List<StackEntry> stack) throws Unbuildable {
        ExportEventHub events = new ExportEventHub(cfg.name().isEmpty() ? "default export"
                : "export '" + cfg.name() + "'");
        Layer backend;
        try {
            backend = factory.open(spec.argument(), ctx, events);
        } catch (NbdException | RuntimeException e) {
            // a backend's message names what is wrong (BackendFactory's contract); the backend is in the label
            throw new Unbuildable(String.valueOf(e.getMessage()));
        }
        try {
            return new RestackableExport(ctx, cfg.description(), backend, stack, events);
        } catch (NbdException | RuntimeException e) {
            backend.close();
            throw new Unbuildable("cannot stack " + String.join("+", names) + " on " + cfg.backend() + ": "
                    + e.getMessage());
        }
    }

    /** Serves {@code built} as this component's export and reports it UP. */
    private void publish(RestackableExport built) {
        export = built;
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(Export.NAME, config.name());
        registration = bundle.registerService(Export.class, export, props);
        reportUp();
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    synchronized void bindBackend(BackendFactory factory, Map<String, Object> properties) {
        backends.put(String.valueOf(properties.get(BackendFactory.TYPE)), factory);
        refresh();
    }

    synchronized void unbindBackend(BackendFactory factory, Map<String, Object> properties) {
        backends.remove(String.valueOf(properties.get(BackendFactory.TYPE)), factory);
        refresh();
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    synchronized void bindFeature(Feature feature, Map<String, Object> properties) {
        features.add(feature, properties);
        refresh();
    }

    synchronized void unbindFeature(Feature feature, Map<String, Object> properties) {
        features.remove(feature, properties);
        refresh();
    }

    @Deactivate
    synchronized void deactivate() {
        active = false;
        withdraw();
        status.report(Status.of(id, "export", Status.State.STOPPED, "export '" + config.name() + "' removed"));
        status.remove(id);
    }

    /** Withdraws the export if something it uses went away, then builds it if everything it names is here. */
    private void refresh() {
        if (!active) {
            return;
        }
        BackendSpec spec;
        try {
            spec = BackendSpec.parse(config.backend());
        } catch (IllegalArgumentException e) {
            report(Status.State.FAILED, e.getMessage());
            return;
        }
        List<String> missing = new ArrayList<>();
        BackendFactory factory = backends.get(spec.type());
        if (factory == null) {
            Map<String, String> declared = declarations.of(bundle);
            if (!declared.containsKey(spec.type())) {
                // no installed bundle offers it: waiting would only delay the same error by the start timeout
                withdraw();
                report(Status.State.FAILED, "unknown backend type '" + spec.type() + "' (known: "
                        + String.join(", ", declared.keySet()) + ")");
                return;
            }
            missing.add("backend type '" + spec.type() + "' (bundle " + declared.get(spec.type()) + ")");
        }
        List<String> missingFeatures = new ArrayList<>();
        List<StackEntry> stack = features.resolve(stackNames, missingFeatures);
        missingFeatures.forEach(name -> missing.add("feature '" + name + "'"));
        if (export != null && factory != null) {
            // the backend is still here: keep the export and its connections, change only the stack
            restack(missingFeatures.isEmpty() ? stack : null, missing);
            return;
        }
        withdraw();
        if (!missing.isEmpty()) {
            report(Status.State.STARTING, "waiting for " + String.join(", ", missing));
            return;
        }
        try {
            publish(build(config, context, stackNames, spec, factory, stack));
        } catch (Unbuildable e) {
            report(Status.State.FAILED, e.getMessage());
        }
    }

    /**
     * A feature of the stack went away ({@code stack} null: the connections' requests are held while the stack is
     * drained and detached, then wait for the feature) or the stack can be built again ({@code stack}: it replaces
     * the old one under the same connections). Runs in the DS unbind or bind, so the leaving feature still works
     * while its requests drain.
     */
    private void restack(List<StackEntry> stack, List<String> missing) {
        try {
            if (stack == null) {
                if (export.features() != null) {
                    int stuck = export.suspend(DRAIN);
                    report(Status.State.STARTING, "waiting for " + String.join(", ", missing) + "; "
                            + export.connections() + " connection(s) held" + (stuck == 0 ? ""
                            : ", " + stuck + " request(s) did not drain within " + DRAIN.toSeconds() + " s"));
                }
            } else if (!stack.equals(export.features())) {
                export.restack(stack, DRAIN);
                reportUp();
            }
        } catch (NbdException | RuntimeException e) {
            report(Status.State.FAILED, "cannot stack " + String.join("+", stackNames) + " on " + config.backend()
                    + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void reportUp() {
        report(Status.State.UP, "export '" + config.name() + "' on " + config.backend()
                + (stackNames.isEmpty() ? "" : " with " + String.join("+", stackNames))
                + (config.readOnly() ? " (read-only)" : ""));
    }

    private void withdraw() {
        if (registration != null) {
            registration.unregister();
            registration = null;
        }
        if (export != null) {
            export.close();
            export = null;
        }
    }

    private void report(Status.State state, String detail) {
        status.report(Status.of(id, "export", state, detail));
    }
}
