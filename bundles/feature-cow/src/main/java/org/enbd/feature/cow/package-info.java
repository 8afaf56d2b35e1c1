/**
 * What a peer needs to ask a {@code cow} feature about its overlay over ENBD's control channel: the control
 * message types it claims. The answers are UTF-8 JSON documents described in the bundle's README.
 */
@Export
@Version("0.1.0")
package org.enbd.feature.cow;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
