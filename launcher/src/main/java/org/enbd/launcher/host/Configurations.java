package org.enbd.launcher.host;

import java.io.IOException;
import java.time.Duration;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import org.enbd.launcher.FactoryConfiguration;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.util.tracker.ServiceTracker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the launcher's factory configurations through ConfigurationAdmin. The system bundle exports
 * {@code org.osgi.service.cm} from the launcher's class path and the ConfigAdmin bundle imports it, so the
 * launcher uses the typed API.
 */
final class Configurations {
    private static final Logger LOG = LoggerFactory.getLogger(Configurations.class);

    private Configurations() {
    }

    static void write(BundleContext context, List<FactoryConfiguration> configurations, Duration timeout)
            throws IOException, InterruptedException {
        if (configurations.isEmpty()) {
            return;
        }
        ServiceTracker<ConfigurationAdmin, ConfigurationAdmin> tracker =
                new ServiceTracker<>(context, ConfigurationAdmin.class, null);
        tracker.open();
        try {
            ConfigurationAdmin admin = tracker.waitForService(timeout.toMillis());
            if (admin == null) {
                throw new IllegalStateException("ConfigurationAdmin did not start within " + timeout.toSeconds()
                        + " s (is org.apache.felix.configadmin in bundles/?)");
            }
            for (FactoryConfiguration wanted : configurations) {
                // "?" binds the configuration to whichever bundle registers the factory PID
                Configuration configuration = admin.getFactoryConfiguration(wanted.factoryPid(), wanted.name(), "?");
                configuration.update(dictionary(wanted));
                LOG.debug("configured {}: {}", configuration.getPid(), wanted.properties());
            }
        } finally {
            tracker.close();
        }
    }

    private static Dictionary<String, Object> dictionary(FactoryConfiguration configuration) {
        Hashtable<String, Object> properties = new Hashtable<>(configuration.properties());
        return properties;
    }
}
