package org.enbd.backend.file.internal;

import org.enbd.api.NbdException;
import org.enbd.api.layer.BackendFactory;
import org.enbd.api.layer.ExportContext;
import org.enbd.api.layer.ExportEvents;
import org.enbd.api.layer.Layer;
import org.osgi.service.component.annotations.Component;

/** {@code file:PATH}: a regular file (sparse files keep their holes), like nbdkit's file plugin. */
@Component(service = BackendFactory.class, property = BackendFactory.TYPE + "=file")
public final class FileBackendFactory implements BackendFactory {
    @Override
    public Layer open(String argument, ExportContext export, ExportEvents events) throws NbdException {
        return FileLayer.open(argument, export.readOnly());
    }
}
