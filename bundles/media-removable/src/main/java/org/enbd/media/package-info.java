/** Removable media: the control messages a peer uses to ask an export's {@code removable:} backend. */
@Export
@Version("0.1.0")
package org.enbd.media;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
