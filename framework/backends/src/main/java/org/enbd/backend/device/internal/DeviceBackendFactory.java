package org.enbd.backend.device.internal;

import org.enbd.api.NbdException;
import org.enbd.api.layer.BackendFactory;
import org.enbd.api.layer.ExportContext;
import org.enbd.api.layer.ExportEvents;
import org.enbd.api.layer.Layer;
import org.enbd.backend.file.internal.FileLayer;
import org.enbd.backend.file.internal.SizeWatch;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/** {@code device:PATH}: a block device such as {@code /dev/sdb} or {@code /dev/loop0}. */
@Component(service = BackendFactory.class, property = BackendFactory.TYPE + "=device")
public final class DeviceBackendFactory implements BackendFactory {
    /** Notices size changes of the exports opened here; daemon, closed on deactivate. */
    private final SizeWatch sizes = new SizeWatch("device");

    @Override
    public Layer open(String argument, ExportContext export, ExportEvents events) throws NbdException {
        DeviceLayer layer = DeviceLayer.open(argument, export.readOnly(), FileLayer.directParameter(export));
        layer.watchSize(sizes, events);
        return layer;
    }

    @Deactivate
    void deactivate() {
        sizes.close();
    }
}
