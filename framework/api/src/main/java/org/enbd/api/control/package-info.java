/**
 * ENBD's accounting and control interface for the launcher, the console, Gogo and the CLI: every engine component
 * (listener, export, device, connection) reports its state to the {@link org.enbd.api.control.StatusBoard}, so
 * that a user can see what runs, what failed and why; components a user may act on (reconnect a client device,
 * drop one of its connections, disconnect it) offer {@link org.enbd.api.control.DeviceActions} for their status
 * ids.
 */
@Export
@Version("1.1.0")
package org.enbd.api.control;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
