package org.enbd.transport.tcp.internal;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The file of a Unix socket. A server that died leaves its socket file behind and the next bind fails; the file
 * may be removed only when nothing listens on it any more (a connect is refused), never when a live server
 * (perhaps another process) still accepts there.
 */
final class UnixSocketFile {
    private UnixSocketFile() {
    }

    static void removeIfStale(String path) throws IOException {
        Path file = Path.of(path);
        if (!Files.exists(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class,
                java.nio.file.LinkOption.NOFOLLOW_LINKS);
        if (!attributes.isOther()) {
            throw new IOException("cannot listen on " + path + ": the path exists and is not a socket");
        }
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(file));
            throw new IOException("cannot listen on " + path + ": another server is listening there");
        } catch (IOException refused) {
            if (refused.getMessage() != null && refused.getMessage().startsWith("cannot listen")) {
                throw refused;
            }
            Files.deleteIfExists(file);
        }
    }

    static void delete(String path) {
        try {
            Files.deleteIfExists(Path.of(path));
        } catch (IOException e) {
            // the directory went away or changed owner: nothing left for us to clean
        }
    }
}
