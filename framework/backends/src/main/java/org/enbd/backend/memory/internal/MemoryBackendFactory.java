package org.enbd.backend.memory.internal;

import org.enbd.api.NbdError;
import org.enbd.api.NbdException;
import org.enbd.api.layer.BackendFactory;
import org.enbd.api.layer.ExportContext;
import org.enbd.api.layer.ExportEvents;
import org.enbd.api.layer.Layer;
import org.osgi.service.component.annotations.Component;

/** {@code memory:SIZE}: a sparse RAM disk, like nbdkit's memory plugin. Its contents go when the export goes. */
@Component(service = BackendFactory.class, property = BackendFactory.TYPE + "=memory")
public final class MemoryBackendFactory implements BackendFactory {
    @Override
    public Layer open(String argument, ExportContext export, ExportEvents events) throws NbdException {
        long size = ByteSize.parse(argument);
        if (size <= 0) {
            throw new NbdException(NbdError.EINVAL, "memory export '" + export.exportName() + "' needs a size > 0");
        }
        return new MemoryLayer(size, export.readOnly());
    }
}
