/**
 * What a peer needs to ask a {@code stats} feature for its counters over ENBD's control channel: the control
 * message types it claims. The answer is a UTF-8 JSON document described in the bundle's README.
 */
@Export
@Version("0.1.0")
package org.enbd.feature.stats;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
