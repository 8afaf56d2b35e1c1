package org.enbd.server.internal;

import java.util.List;
import org.enbd.api.layer.AsyncLayer;
import org.enbd.api.layer.ForwardingLayer;
import org.enbd.api.layer.Layer;

/**
 * The top of one connection's stack: closing it closes the feature layers opened for that connection, outermost
 * first, and never the shared backend below them. Over an {@link AsyncLayer} it is one too ({@link #over}).
 */
public class SessionLayer extends ForwardingLayer {
    private final List<Layer> opened;

    private SessionLayer(Layer top, List<Layer> opened) {
        super(top);
        this.opened = List.copyOf(opened);
    }

    /** The session over {@code top}, which owns {@code opened}; an {@link AsyncLayer} if {@code top} is one. */
    public static SessionLayer over(Layer top, List<Layer> opened) {
        return top instanceof AsyncLayer async ? new Async(async, opened) : new SessionLayer(top, opened);
    }

    @Override
    public void close() {
        for (Layer layer : opened) {
            layer.close();
        }
    }

    private static final class Async extends SessionLayer implements ForwardingAsyncLayer {
        private final AsyncLayer below;

        Async(AsyncLayer top, List<Layer> opened) {
            super(top, opened);
            this.below = top;
        }

        @Override
        public AsyncLayer asyncNext() {
            return below;
        }

        @Override
        public boolean mayBlock() {
            return below.mayBlock();
        }
    }
}
