package org.enbd.backend.device.internal;

import org.enbd.api.NbdException;
import org.enbd.api.layer.BackendFactory;
import org.enbd.api.layer.ExportContext;
import org.enbd.api.layer.ExportEvents;
import org.enbd.api.layer.Layer;
import org.osgi.service.component.annotations.Component;

/** {@code device:PATH}: a block device such as {@code /dev/sdb} or {@code /dev/loop0}. */
@Component(service = BackendFactory.class, property = BackendFactory.TYPE + "=device")
public final class DeviceBackendFactory implements BackendFactory {
    @Override
    public Layer open(String argument, ExportContext export, ExportEvents events) throws NbdException {
        return DeviceLayer.open(argument, export.readOnly());
    }
}
