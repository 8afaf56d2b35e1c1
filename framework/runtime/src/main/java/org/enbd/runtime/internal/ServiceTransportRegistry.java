package org.enbd.runtime.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.enbd.api.stream.StreamAddress;
import org.enbd.api.stream.Transport;
import org.enbd.api.stream.TransportRegistry;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The framework's one {@link TransportRegistry}: every {@link Transport} service, collected by a dynamic, greedy,
 * multiple reference with its {@link Transport#SCHEMES} property, in the order they came. Choosing is the API's
 * {@code TransportRegistry.of} table (one piece of code for OSGi and plain Java); this component rebuilds that
 * immutable table on every change, so lookups (on event loops, during reconnects) read one volatile field.
 */
@Component(service = TransportRegistry.class, configurationPid = "org.enbd.runtime.transports")
@Designate(ocd = ServiceTransportRegistry.Config.class)
public final class ServiceTransportRegistry implements TransportRegistry {
    private static final Logger LOG = LoggerFactory.getLogger(ServiceTransportRegistry.class);

    /** The registry's configuration. */
    @ObjectClassDefinition(name = "ENBD transports",
            description = "Which transport serves a URI scheme when more than one could")
    public @interface Config {
        @AttributeDefinition(name = "Choices", description = "SCHEME=TRANSPORT entries, e.g. nbd=tcp: the named "
                + "transport serves the scheme, and no other does while it is absent. Without an entry the "
                + "transport that registered the scheme first serves it.")
        String[] choose() default {};
    }

    /** Transports in the order they came, by identity (two services are never the same one). */
    private final List<Entry> entries = new ArrayList<>();
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private Map<String, String> choices = Map.of();
    private volatile TransportRegistry table = TransportRegistry.of(List.of(), Map.of());

    /** An empty registry (plain Java); {@link #add} and {@link #remove} change it. */
    public ServiceTransportRegistry() {
    }

    @Activate
    public ServiceTransportRegistry(Config config) {
        choices = parseChoices(config.choose());
        rebuild();
    }

    @Modified
    void modified(Config config) {
        synchronized (this) {
            choices = parseChoices(config.choose());
            rebuild();
        }
        changed();
    }

    @Reference(service = Transport.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void bindTransport(Transport transport, Map<String, Object> properties) {
        add(transport, schemes(properties.get(Transport.SCHEMES)));
    }

    void unbindTransport(Transport transport) {
        remove(transport);
    }

    /** Adds a transport serving {@code schemes} after those present, then tells the listeners. */
    public void add(Transport transport, List<String> schemes) {
        synchronized (this) {
            entries.add(new Entry(transport, schemes.stream().map(s -> s.toLowerCase(Locale.ROOT)).toList()));
            rebuild();
        }
        LOG.debug("transport {} serves {}", transport.name(), schemes);
        changed();
    }

    /** Removes a transport, then tells the listeners (which close what they opened through it). */
    public void remove(Transport transport) {
        synchronized (this) {
            if (!entries.removeIf(e -> e.transport() == transport)) {
                return;
            }
            rebuild();
        }
        changed();
    }

    @Override
    public Optional<Transport> forScheme(String scheme) {
        return table.forScheme(scheme);
    }

    @Override
    public Optional<Transport> forAddress(StreamAddress address) {
        return table.forAddress(address);
    }

    @Override
    public List<Entry> transports() {
        return table.transports();
    }

    @Override
    public Subscription onChange(Runnable change) {
        listeners.add(change);
        return () -> listeners.remove(change);
    }

    private void rebuild() {
        table = TransportRegistry.of(entries, choices);
    }

    /** Outside the lock: a listener may close a listener, which waits for an event loop. */
    private void changed() {
        for (Runnable listener : listeners) {
            try {
                listener.run();
            } catch (RuntimeException e) {
                LOG.warn("a transport change listener failed: {}", e.toString());
            }
        }
    }

    /** A malformed entry is logged and skipped: the registry must stay up, or every listener waits in silence. */
    static Map<String, String> parseChoices(String[] entries) {
        Map<String, String> parsed = new LinkedHashMap<>();
        for (String entry : entries) {
            int eq = entry.indexOf('=');
            if (eq <= 0 || eq == entry.length() - 1) {
                LOG.error("ignoring transport choice \"{}\": expected SCHEME=TRANSPORT, e.g. nbd=tcp", entry);
                continue;
            }
            parsed.put(entry.substring(0, eq).trim().toLowerCase(Locale.ROOT), entry.substring(eq + 1).trim());
        }
        return parsed;
    }

    private static List<String> schemes(Object value) {
        if (value instanceof String[] many) {
            return Arrays.asList(many);
        }
        if (value instanceof Collection<?> many) {
            return many.stream().map(String::valueOf).toList();
        }
        return value == null ? List.of() : List.of(String.valueOf(value));
    }
}
