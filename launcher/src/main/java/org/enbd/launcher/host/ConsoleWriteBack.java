package org.enbd.launcher.host;

import java.io.IOException;
import java.util.Collections;
import java.util.Map;
import org.enbd.launcher.DataDirectory;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ConfigurationEvent;
import org.osgi.service.cm.ConfigurationListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps in {@code etc/} what the Web Console (or anyone through ConfigAdmin) changes in an ENBD-J configuration.
 * FileInstall's own write-back ({@code felix.fileinstall.enableConfigSave}) finds a configuration's file by its
 * {@code felix.fileinstall.filename} property, which the Web Console's Configuration page (5.0.18) drops when it
 * saves (it keeps only the form's attributes), and next to the console it was seen to leave a file empty. So this
 * listener saves each changed configuration to {@code etc/factoryPid-name.cfg}, typed as FileInstall writes typed
 * files, so that FileInstall reads back exactly the values ConfigAdmin holds and updates nothing again. A file
 * that already holds the same values is left alone (the launcher's plain files stay as they are); a deleted
 * configuration's file is removed. Runs on
 * ConfigAdmin's event thread, never on an event loop.
 */
final class ConsoleWriteBack implements ConfigurationListener, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("enbd");

    private final BundleContext context;
    private final DataDirectory data;
    private final ServiceRegistration<ConfigurationListener> registration;

    ConsoleWriteBack(BundleContext context, DataDirectory data) {
        this.context = context;
        this.data = data;
        this.registration = context.registerService(ConfigurationListener.class, this, null);
    }

    @Override
    public void configurationEvent(ConfigurationEvent event) {
        if (!DataDirectory.kept(event.getFactoryPid())) {
            return;
        }
        if (event.getType() == ConfigurationEvent.CM_DELETED) {
            deleted(event);
            return;
        }
        if (event.getType() != ConfigurationEvent.CM_UPDATED) {
            return;
        }
        var reference = event.getReference();
        ConfigurationAdmin admin = reference == null ? null : context.getService(reference);
        if (admin == null) {
            return;
        }
        try {
            Configuration configuration = admin.getConfiguration(event.getPid(), null);
            var properties = configuration.getProperties();
            if (properties == null) {
                return;
            }
            Map<String, Object> kept = new java.util.TreeMap<>();
            for (String key : Collections.list(properties.keys())) {
                if (!key.startsWith("service.") && !key.startsWith("felix.fileinstall.")) {
                    kept.put(key, properties.get(key));
                }
            }
            String name = name(event);
            if (data.holds(event.getFactoryPid(), name, kept)) {
                return;
            }
            var file = data.save(event.getFactoryPid(), name, kept);
            LOG.info("{}: saved from the Web Console", data.etc().relativize(file));
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot keep configuration {} in {}: {}", event.getPid(), data.etc(), e.getMessage());
        } finally {
            context.ungetService(reference);
        }
    }

    /** The configuration's name: {@code factoryPid~name} (named factory configurations) or FileInstall's older form. */
    private static String name(ConfigurationEvent event) {
        String pid = event.getPid();
        int tilde = pid.indexOf('~');
        return tilde >= 0 ? pid.substring(tilde + 1) : pid.substring(event.getFactoryPid().length() + 1);
    }

    /**
     * A configuration deleted through ConfigAdmin (the ENBD-J page's disconnect, the Configuration page's delete,
     * {@code config:delete}) goes from {@code etc/} too, or the next run would bring it back.
     */
    private void deleted(ConfigurationEvent event) {
        try {
            var file = data.etc().resolve(event.getFactoryPid() + "-" + name(event) + ".cfg");
            if (java.nio.file.Files.deleteIfExists(file)) {
                LOG.info("{}: removed, its configuration was deleted", data.etc().relativize(file));
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot remove configuration {} from {}: {}", event.getPid(), data.etc(), e.getMessage());
        }
    }

    @Override
    public void close() {
        try {
            registration.unregister();
        } catch (IllegalStateException e) {
            // the framework stopped first
        }
    }
}
