package org.enbd.ioctl.internal;

import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.layer.AttachedFeature;
import org.enbd.api.layer.ExportContext;
import org.enbd.api.layer.ExportEvents;
import org.enbd.api.layer.Feature;
import org.enbd.ioctl.ExportDevice;
import org.enbd.ioctl.IoctlControl;
import org.enbd.ioctl.IoctlPolicy;
import org.enbd.ioctl.IoctlTable;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code ioctl} feature: remote ioctls on the device an export serves, as far as its {@code ioctls}
 * parameter allows. Each export's layers answer {@link IoctlControl#CALL} and {@link IoctlControl#LIST}; the
 * calls run on the one thread this component owns (a device's ioctl may block for seconds: a tray moving), never
 * on an event loop. A backend that holds the medium itself (the removable-media backend) gets the call first, so
 * it runs on the descriptor that serves the data (CDROMEJECT refuses with EBUSY while another descriptor is
 * open); otherwise the feature opens the device for the call.
 */
@Component(service = Feature.class,
        property = {Feature.NAME + "=" + IoctlFeature.NAME,
                Feature.CONTROL_TYPES + ":Integer=" + IoctlControl.CALL,
                Feature.CONTROL_TYPES + ":Integer=" + IoctlControl.LIST})
public final class IoctlFeature implements Feature {
    static final String NAME = "ioctl";
    private static final Logger LOG = LoggerFactory.getLogger(IoctlFeature.class);

    private final IoctlTable table = IoctlTable.standard();
    private final AtomicReference<Thread> worker = new AtomicReference<>();
    private final ExecutorService calls = Executors.newSingleThreadExecutor(task -> {
        Thread thread = Thread.ofPlatform().name("enbd-ioctl").daemon().unstarted(task);
        worker.set(thread);
        return thread;
    });

    @Activate
    public IoctlFeature() {
    }

    @Override
    public AttachedFeature attach(ExportContext export, ExportEvents events) throws NbdException {
        String where = export.exportName().isEmpty() ? "default export" : "export '" + export.exportName() + "'";
        for (String key : export.parameters().keySet()) {
            if (key.startsWith(NAME + ".") || key.startsWith(IoctlPolicy.PARAMETER + ".")) {
                throw new NbdException(NbdError.EINVAL, where + ": unknown parameter " + key
                        + " (the ioctl feature has one: ioctls=GROUP[+GROUP|NAME...])");
            }
        }
        IoctlPolicy policy;
        try {
            policy = IoctlPolicy.parse(export.parameter(IoctlPolicy.PARAMETER, "none"), table);
        } catch (IllegalArgumentException e) {
            throw new NbdException(NbdError.EINVAL, where + ": " + e.getMessage());
        }
        Optional<String> device = ExportDevice.path(export);
        if (!policy.none() && device.isEmpty()) {
            throw new NbdException(NbdError.EINVAL, where + ": " + policy + " needs a device or image to run on, "
                    + "and the backend '" + export.parameter(ExportDevice.BACKEND, "") + "' has none");
        }
        if (!policy.none()) {
            LOG.info("{}: remote ioctls allowed on {}: {}", where, device.get(), policy);
        }
        DeviceCalls runner = new DeviceCalls(where, device.orElse(""), export.readOnly(), table, policy, calls);
        return (next, session) -> new IoctlLayer(next, runner, session.peer());
    }

    /** Stops the ioctl thread: a call in progress finishes (an ioctl cannot be interrupted), then it is joined. */
    @Deactivate
    public void deactivate() throws InterruptedException {
        calls.shutdownNow();
        if (!calls.awaitTermination(30, TimeUnit.SECONDS)) {
            LOG.warn("an ioctl did not finish within 30 s of the feature stopping");
        }
        Thread thread = worker.get();
        if (thread != null) {
            thread.join();
        }
    }
}
