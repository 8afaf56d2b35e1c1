/**
 * The fixed newstyle handshake (proto.md, "Fixed newstyle negotiation"): messages, the server's and the client's
 * codecs, and the typed payloads of the options ENBD-J uses.
 */
@Export
@Version("1.0.0")
package org.enbd.protocol.handshake;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
