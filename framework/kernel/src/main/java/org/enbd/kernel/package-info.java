/**
 * Kernel attach: a {@link org.enbd.api.layer.Layer} served to the Linux nbd driver over local socketpairs
 * ({@link org.enbd.kernel.KernelDevice}, {@link org.enbd.kernel.KernelRelay}), and the table of NBD devices that
 * {@code enbd list} prints ({@link org.enbd.kernel.DeviceTable}). The native calls (FFM) live in private packages.
 */
@Export
@Version("0.1.0")
package org.enbd.kernel;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
