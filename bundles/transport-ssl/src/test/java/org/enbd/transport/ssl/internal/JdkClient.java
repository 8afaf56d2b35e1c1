package org.enbd.transport.ssl.internal;

import java.nio.file.Path;
import javax.net.ssl.SSLContext;

/** The JDK's own JSSE as the peer: credentials loaded the same way, through the JDK's provider. */
final class JdkClient {
    private JdkClient() {
    }

    static SSLContext context(Path dir, String side) throws Exception {
        return Credentials.load(dir, side, SSLContext.getDefault().getProvider()).context();
    }
}
