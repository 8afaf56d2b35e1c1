/**
 * The NBD protocol (proto.md of the NetworkBlockDevice/nbd repository) as Netty codecs, with no sockets and no
 * OSGi: constants as enums, messages as small immutable records, decoders with an explicit state. Shared by the
 * server, the client engine and the kernel relay.
 */
@Export
@Version("2.1.0")
package org.enbd.protocol;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
