package org.enbd.backend.file.internal;

import org.enbd.api.NbdException;
import org.enbd.api.layer.BackendFactory;
import org.enbd.api.layer.ExportContext;
import org.enbd.api.layer.ExportEvents;
import org.enbd.api.layer.Layer;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/** {@code file:PATH}: a regular file (sparse files keep their holes), like nbdkit's file plugin. */
@Component(service = BackendFactory.class, property = BackendFactory.TYPE + "=file")
public final class FileBackendFactory implements BackendFactory {
    /** Notices size changes of the exports opened here; daemon, closed on deactivate. */
    private final SizeWatch sizes = new SizeWatch("file");

    @Override
    public Layer open(String argument, ExportContext export, ExportEvents events) throws NbdException {
        FileLayer layer = FileLayer.open(argument, export.readOnly(), FileLayer.directParameter(export));
        layer.watchSize(sizes, events);
        return layer;
    }

    @Deactivate
    void deactivate() {
        sizes.close();
    }
}
