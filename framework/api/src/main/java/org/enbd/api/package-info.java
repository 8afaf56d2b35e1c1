/**
 * ENBD-J's value types shared by every bundle: the NBD error values and the exception that carries them.
 */
@Export
@Version("1.0.0")
package org.enbd.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
