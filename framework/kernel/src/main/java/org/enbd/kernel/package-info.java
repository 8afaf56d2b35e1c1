/**
 * Kernel attach: an {@link org.enbd.api.layer.Export} served to the Linux nbd driver over local socketpairs, a
 * layer of its stack per socket, with no thread per request ({@link org.enbd.kernel.KernelDevice},
 * {@link org.enbd.kernel.KernelRelay}); its size changes applied with NBD_CMD_RECONFIGURE; and the table of NBD
 * devices that {@code enbd list} prints ({@link org.enbd.kernel.DeviceTable}). The native calls (FFM) live in
 * private packages. 0.2.0: attach takes an export (a feature stack) instead of one shared layer.
 */
@Export
@Version("0.2.0")
package org.enbd.kernel;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
