/**
 * Remote ioctls, ENBD's "at least a hundred": the {@link org.enbd.ioctl.IoctlTable table} of the ioctls ENBD-J
 * knows (number, argument marshalling), the messages that carry one over ENBD's control channel
 * ({@link org.enbd.ioctl.IoctlControl}), the per-export policy ({@link org.enbd.ioctl.IoctlPolicy}) and the
 * {@link org.enbd.ioctl.Descriptor} they run on. The removable-media bundle runs them on the descriptor that holds
 * its medium, so it uses this package too.
 */
@Export
@Version("0.1.0")
package org.enbd.ioctl;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
