/**
 * ENBD's "stream": the few methods a transport implements (connect, listen; a Netty channel then reads, writes
 * and closes), chosen by the scheme of an NBD URI (uri.md). TCP and Unix sockets, SSH tunnels and raw Ethernet
 * frames all fit; TLS is not a transport but an upgrade inside the handshake ({@link StreamSecurity}).
 */
@Export
@Version("1.0.0")
package org.enbd.api.stream;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
