package org.enbd.management.internal;

import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import org.enbd.api.control.Status;
import org.enbd.api.control.StatusBoard;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts every component of the status board into the JVM's platform MBean server, as
 * {@code org.enbd:type=KIND,name="ID"}: JConsole, VisualVM, jmxterm or a JMX exporter see the same figures as
 * the Web Console and {@code /metrics}. The board has no change events, so a thread of this component compares its
 * components with the registered MBeans every {@code refreshSeconds} and registers or unregisters the difference;
 * the values themselves are read live (see {@link StatusMBean}). All MBeans go when the bundle stops.
 */
@Component(immediate = true, configurationPid = StatusMBeans.PID)
@Designate(ocd = StatusMBeans.Config.class)
public final class StatusMBeans {
    static final String PID = "org.enbd.management.jmx";
    private static final Logger LOG = LoggerFactory.getLogger(StatusMBeans.class);

    @ObjectClassDefinition(name = "ENBD-J JMX MBeans",
            description = "Every ENBD-J component (listeners, exports, devices, the stats feature's counters) as an"
                    + " MBean in the JVM's platform MBean server, under the domain given here.")
    public @interface Config {
        @AttributeDefinition(name = "Domain", description = "The ObjectName domain of the MBeans")
        String domain() default "org.enbd";

        @AttributeDefinition(name = "Refresh (seconds)",
                description = "How often components that appeared or went away are registered or unregistered")
        int refreshSeconds() default 1;
    }

    private final StatusBoard board;
    private final MBeanServer server;
    private final String domain;
    private final Map<String, ObjectName> registered = new HashMap<>();
    private final ScheduledExecutorService refresher;

    @Activate
    public StatusMBeans(@Reference StatusBoard board, Config config) {
        this(board, ManagementFactory.getPlatformMBeanServer(), config.domain());
        refresher.scheduleWithFixedDelay(this::refreshQuietly, 0, Math.max(1, config.refreshSeconds()),
                TimeUnit.SECONDS);
    }

    StatusMBeans(StatusBoard board, MBeanServer server, String domain) {
        this.board = board;
        this.server = server;
        this.domain = domain;
        this.refresher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "enbd-jmx-refresh");
            t.setDaemon(true);
            return t;
        });
    }

    /** Registers the components that are new and unregisters those that went away; returns how many are in. */
    synchronized int refresh() throws JMException {
        Set<String> seen = new HashSet<>();
        for (Status status : board.snapshot()) {
            seen.add(status.id());
            ObjectName name = name(status);
            ObjectName before = registered.get(status.id());
            if (name.equals(before)) {
                continue;
            }
            if (before != null) { // its kind changed: the name follows
                unregister(before);
            }
            if (server.isRegistered(name)) {
                unregister(name); // left by an earlier instance of this component in the same JVM
            }
            server.registerMBean(new StatusMBean(status.id(), board), name);
            registered.put(status.id(), name);
        }
        for (var it = registered.entrySet().iterator(); it.hasNext(); ) {
            var entry = it.next();
            if (!seen.contains(entry.getKey())) {
                unregister(entry.getValue());
                it.remove();
            }
        }
        return registered.size();
    }

    ObjectName name(Status status) throws MalformedObjectNameException {
        // kinds are plain words and read best unquoted in JConsole's tree; ids hold '~', ':' and '/'
        String kind = status.kind().matches("[A-Za-z0-9_.-]+") ? status.kind() : ObjectName.quote(status.kind());
        return new ObjectName(domain + ":type=" + kind + ",name=" + ObjectName.quote(status.id()));
    }

    private void refreshQuietly() {
        try {
            refresh();
        } catch (JMException | RuntimeException e) {
            LOG.warn("JMX: could not register ENBD-J components: {}", e.toString());
        }
    }

    private void unregister(ObjectName name) {
        try {
            server.unregisterMBean(name);
        } catch (JMException e) {
            LOG.debug("JMX: {} was already gone", name);
        }
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        refresher.shutdownNow();
        refresher.awaitTermination(5, TimeUnit.SECONDS);
        synchronized (this) {
            registered.values().forEach(this::unregister);
            registered.clear();
        }
    }
}
