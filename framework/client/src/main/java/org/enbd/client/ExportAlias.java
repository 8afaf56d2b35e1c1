package org.enbd.client;

import java.util.function.Consumer;
import org.enbd.api.NbdException;
import org.enbd.api.layer.Export;
import org.enbd.api.layer.ExportContext;
import org.enbd.api.layer.ExportEvent;
import org.enbd.api.layer.Layer;
import org.enbd.api.layer.SessionContext;

/** One export under a second name (the local endpoint's default export): the same stack, opened the same way. */
record ExportAlias(ExportContext context, Export target) implements Export {

    static ExportAlias of(String name, Export target) {
        ExportContext t = target.context();
        return new ExportAlias(new ExportContext(name, t.readOnly(), t.parameters()), target);
    }

    @Override
    public String description() {
        return target.description();
    }

    @Override
    public Layer open(SessionContext session) throws NbdException {
        return target.open(session);
    }

    @Override
    public AutoCloseable events(Consumer<ExportEvent> listener) {
        return target.events(listener);
    }
}
