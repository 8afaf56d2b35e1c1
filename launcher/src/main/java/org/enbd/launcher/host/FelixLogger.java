package org.enbd.launcher.host;

import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Sends the framework's own messages (resolution errors, bundle failures) to the launcher's SLF4J log. */
final class FelixLogger extends org.apache.felix.framework.Logger {
    private final Logger log = LoggerFactory.getLogger("org.apache.felix.framework");

    @Override
    protected void doLog(Bundle bundle, ServiceReference sr, int level, String msg, Throwable throwable) {
        doLog(level, bundle == null ? msg : bundle.getSymbolicName() + ": " + msg, throwable);
    }

    /** The resolver logs through this one directly (it knows no bundle). */
    @Override
    protected void doLog(int level, String msg, Throwable throwable) {
        switch (level) {
            case LOG_ERROR -> log.error(msg, throwable);
            case LOG_WARNING -> log.warn(msg, throwable);
            case LOG_INFO -> log.info(msg, throwable);
            default -> log.debug(msg, throwable);
        }
    }
}
