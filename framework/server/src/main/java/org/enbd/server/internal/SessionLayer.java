package org.enbd.server.internal;

import java.util.List;
import org.enbd.api.layer.ForwardingLayer;
import org.enbd.api.layer.Layer;

/**
 * The top of one connection's stack: closing it closes the feature layers opened for that connection, outermost
 * first, and never the shared backend below them.
 */
public final class SessionLayer extends ForwardingLayer {
    private final List<Layer> opened;

    public SessionLayer(Layer top, List<Layer> opened) {
        super(top);
        this.opened = List.copyOf(opened);
    }

    @Override
    public void close() {
        for (Layer layer : opened) {
            layer.close();
        }
    }
}
