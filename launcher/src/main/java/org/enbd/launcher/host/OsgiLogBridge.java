package org.enbd.launcher.host;

import org.osgi.framework.BundleContext;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;
import org.osgi.util.tracker.ServiceTracker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the OSGi Log Service's entries (Declarative Services reports component failures there, not to SLF4J)
 * to the launcher's log, named by the bundle that logged. Framework event entries are left out unless verbose.
 */
final class OsgiLogBridge extends ServiceTracker<LogReaderService, LogReaderService> implements LogListener {
    private final boolean verbose;

    OsgiLogBridge(BundleContext context, boolean verbose) {
        super(context, LogReaderService.class, null);
        this.verbose = verbose;
    }

    @Override
    public LogReaderService addingService(org.osgi.framework.ServiceReference<LogReaderService> reference) {
        LogReaderService reader = super.addingService(reference);
        reader.addLogListener(this);
        return reader;
    }

    @Override
    public void removedService(org.osgi.framework.ServiceReference<LogReaderService> reference,
                               LogReaderService reader) {
        reader.removeLogListener(this);
        super.removedService(reference, reader);
    }

    @Override
    public void logged(LogEntry entry) {
        boolean quiet = switch (entry.getLogLevel()) {
            case AUDIT, ERROR, WARN -> false;
            default -> true;
        };
        if (!verbose && quiet || entry.getLoggerName() != null && entry.getLoggerName().startsWith("Events.")) {
            return;
        }
        Logger log = LoggerFactory.getLogger(entry.getBundle() == null ? "osgi" : entry.getBundle().getSymbolicName());
        String message = entry.getMessage();
        switch (entry.getLogLevel()) {
            case AUDIT, ERROR -> log.error(message, entry.getException());
            case WARN -> log.warn(message, entry.getException());
            case INFO -> log.info(message, entry.getException());
            default -> log.debug(message, entry.getException());
        }
    }
}
