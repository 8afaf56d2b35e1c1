/**
 * ENBD-J's NBD server engine as plain Java (no OSGi needed): {@link org.enbd.server.NbdServer} serves the exports
 * of an {@link org.enbd.server.ExportDirectory} over any {@link org.enbd.api.stream.Transport};
 * {@link org.enbd.server.TransmissionPhase} serves one already-connected channel that starts in the transmission
 * phase (the kernel's end of a socketpair). The DS components in {@code org.enbd.server.internal} build these
 * objects from ConfigAdmin configurations.
 */
@Export
@Version("1.1.0")
package org.enbd.server;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
