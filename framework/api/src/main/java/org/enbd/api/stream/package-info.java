/**
 * ENBD's "stream": the few methods a transport implements (connect, and listen when it serves; a Netty channel
 * then reads, writes and closes), chosen by the scheme of an NBD URI (uri.md) through the one
 * {@link org.enbd.api.stream.TransportRegistry}. TLS is not a transport but an upgrade inside the handshake
 * ({@link org.enbd.api.stream.StreamSecurity}).
 *
 * <h2>The contract</h2>
 * A channel is a reliable, ordered, flow-controlled byte stream: what TCP promises, and all NBD needs. Transports
 * whose medium is a byte stream provide exactly that: sockets directly (transport-tcp), blocking streams such as
 * SSH channels through the framework's {@link org.enbd.api.stream.StreamBridge} (a socketpair whose far end two
 * owned threads pump). A medium of frames that may be lost, reordered or duplicated (raw Ethernet, ATA over
 * Ethernet) does not implement {@link org.enbd.api.stream.Transport}: it carries whole requests and replies as
 * messages and talks to the request path ({@code org.enbd.api.layer}) directly, because a reliable stream over
 * frames would be TCP written again, and AoE peers do not speak NBD on the wire at all. See
 * {@link org.enbd.api.stream.Transport} for the reasoning.
 *
 * <h2>Addresses</h2>
 * {@link org.enbd.api.stream.StreamAddress} parses URIs once; each transport owns the syntax of its schemes and
 * its default port ({@link org.enbd.api.stream.Transport#defaultPort()}).
 *
 * <p>2.0.0: an address without a port now says so ({@code StreamAddress.NO_PORT}) instead of carrying 10809 for
 * every scheme, host-less addresses parse for non-standard schemes, {@code listen} became optional, and the
 * registry and bridge services were added. 2.1.0: {@link org.enbd.api.stream.PermanentStreamFailure}, a
 * {@code connect} failure that retrying cannot fix (an SSH host key refused), which the client engine does not retry;
 * {@link org.enbd.api.stream.StreamSecurity#IDENTITY}, the authenticated peer on a channel. 2.2.0:
 * {@link org.enbd.api.stream.ClientSecurity}, the client's side of STARTTLS (credentials an {@code nbds://} URI
 * names, loaded off the event loops).
 */
@Export
@Version("2.2.0")
package org.enbd.api.stream;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
