package org.enbd.api.stream;

import java.net.SocketAddress;
import org.osgi.annotation.versioning.ProviderType;

/** A bound endpoint accepting streams. Closing it stops accepting; accepted streams stay open. */
@ProviderType
public interface Listener extends AutoCloseable {
    /** The bound address (the real port when 0 was asked for). */
    SocketAddress localAddress();

    @Override
    void close();
}
