/**
 * ENBD's client: a remote NBD export as a {@link org.enbd.client.RemoteDevice} (a
 * {@link org.enbd.api.layer.Layer}; the engine behind it is private to the bundle), reached over several connections that keep working when the network and the
 * server do not. Opened with {@link org.enbd.client.RemoteDevice#open} from {@link org.enbd.client.ClientOptions}.
 *
 * <h2>Speed</h2>
 * Each connection carries up to {@code maxInFlight} requests at once; replies are matched to requests by cookie
 * and accepted in any order; a new request goes to the live connection with the fewest outstanding. WRITE data
 * goes to the socket as the caller's buffer (the header is a separate small buffer); READ data is returned as the
 * slice of the received bytes when the server sends it in one chunk. The device is a {@link org.enbd.api.layer.Layer}
 * like any other, asynchronous and never blocking: served locally or relayed to the kernel, each request runs on
 * the server's event loop and is answered from the engine's, with no thread per request; acknowledged writes are
 * kept for replay as retained slices of the request's buffer, never copied. Block status is a chain of
 * BLOCK_STATUS requests, each sent when the previous one's extents are in the sink.
 *
 * <h2>Resilience: one design</h2>
 * <ol>
 * <li><b>Supervisor.</b> The device keeps {@code connections} open (auto: 4 with CAN_MULTI_CONN, else 1). A
 *     connection that closes or breaks the protocol is replaced after an exponential backoff
 *     ({@code reconnectMin} doubling to {@code reconnectMax}, half of each delay random). While no connection is
 *     up one probe at a time tries; once one succeeds the rest open together.</li>
 * <li><b>Retraction.</b> A connection with requests outstanding and no reply for {@code stallTimeout} is
 *     <i>retired</i>: nothing new goes to it, every request on it goes back to the queue (in its original order)
 *     and is resubmitted on another live connection, and a replacement opens. Requests on a connection that dies
 *     are resubmitted the same way; writes included. Each retraction doubles the request's stall budget (up to
 *     64 times), so a server that is slow on every connection still gets to answer instead of being retracted
 *     from forever. A request is sent at most 32 times, and
 *     fails with EIO once 3 of its attempts ended with the server breaking the protocol (chunks that overlap, fall
 *     outside the request, repeat an error or a block status, or never end: only a finished reply counts as
 *     progress against the stall timeout); reconnects after such a connection back off as after a failed one.</li>
 * <li><b>Waiting, not failing.</b> While no connection is up, up to {@code queueLimit} requests wait in a queue
 *     (past it new ones fail with EIO at once rather than pile up for the whole outage; while a connection is up
 *     every request is taken, as each caller bounds its own). Only after {@code deadTime} without any connection
 *     do waiting requests fail with EIO (and new ones fail at once until a connection is back).</li>
 * <li><b>Stale writes never land after newer ones.</b> Every write-type request (WRITE, WRITE_ZEROES, TRIM) locks
 *     its range from submission until acknowledged; a later write overlapping it waits. Overlapping writes so
 *     reach the server one at a time, in submission order. When a write is retracted, the copy left on the
 *     retired connection becomes a <i>ghost</i> that keeps the range locked against later writes until it is
 *     known dead: its reply arrives on the retired connection (it landed, before anything newer was sent), or
 *     the peer closes that connection (a server reads nothing from a closed socket, and a killed one runs
 *     nothing). The resubmitted copy carries the same bytes, so reads need not wait for ghosts. A retired
 *     connection that stays silent for {@code deadTime} is reset (RST, so bytes still in our send queue are
 *     dropped, never delivered) and its ghosts are released {@code stallTimeout} later. Thus a write held up
 *     anywhere (our socket, the network, a proxy, the server's queue) lands before any newer overlapping write
 *     is even sent, unless it stays held for longer than {@code deadTime + stallTimeout} and the path still
 *     delivers it after the reset: that residue no NBD client can close, as NBD has no request cancellation.
 *     This is the failure of ydb-platform/nbs issue 7070, where a retried write was let through while the stalled
 *     original was still alive.</li>
 * <li><b>FLUSH keeps its meaning.</b> Acknowledged writes not yet covered by a successful FLUSH are kept in a
 *     replay log (WRITE data included, bounded by {@code replayLimit}: past it the device flushes on its own,
 *     past twice that new writes wait for the flush). When every connection is down the server may be restarting
 *     and may have lost them, so after the reconnect they are sent again, in order, before any read or write
 *     issued after them (those wait on the replay's range lock). A FLUSH covers every write acknowledged before
 *     it: it waits for those writes' replays, goes to every live connection holding them (one suffices with
 *     CAN_MULTI_CONN), and on success drops them from the log. A FLUSH cut off by a failure is planned again.</li>
 * <li><b>Fatal is fatal.</b> NBD_REP_ERR_POLICY, ERR_TLS_REQD, ERR_UNKNOWN (no such export), ERR_PLATFORM, a
 *     peer that is not an NBD server, a refused TLS handshake (the server's certificate expired, of another CA or
 *     for another host; our key refused), a server that will not do STARTTLS for an nbds:// URI, or a transport's
 *     {@link org.enbd.api.stream.PermanentStreamFailure} (an SSH host key refused) fail
 *     {@link org.enbd.client.RemoteDevice#open} at once with the reason; after open they stop the device (state
 *     FAILED). Network failures are retried, a connection lost during a TLS handshake included.</li>
 * <li><b>TLS.</b> For {@code nbds://} and {@code nbds+unix://} the credentials the URI names (libnbd's
 *     {@code ?tls-certificates=DIR}, {@code IDENTITY@...?tls-psk-file=FILE}) are loaded once in
 *     {@link org.enbd.client.RemoteDevice#open}, off the event loops, by the ssl bundle's
 *     {@link org.enbd.api.stream.ClientSecurity}. Every connection, and every reconnect, sends NBD_OPT_STARTTLS
 *     first and runs the TLS handshake before any other option; nothing ever falls back to plaintext.</li>
 * <li><b>Events.</b> A standard server says nothing when its export changes; when connections come back after
 *     an outage with another size (an image grown while the server restarted), the device publishes a size
 *     change.</li>
 * <li><b>Status.</b> The device reports UP (all connections), DEGRADED (some), DOWN (none, retrying), FAILED or
 *     STOPPED, with live connections, reconnects, retracted and resubmitted requests, replayed writes and
 *     unflushed bytes as attributes.</li>
 * </ol>
 *
 * <h2>ENBD's extension channel</h2>
 * Each connection asks for it in the handshake ({@code NBD_OPT_ENBD} with the version, after structured replies,
 * before NBD_OPT_GO; {@link org.enbd.protocol.EnbdExtension} has the wire format). An ENBD-J server acknowledges;
 * a standard one (nbdkit, qemu-nbd, nbd-server) answers NBD_REP_ERR_UNSUP, and the connection goes on exactly as
 * before, without it. Over a connection that has it:
 * <ul>
 * <li>{@link org.enbd.client.RemoteDevice#control} sends an ENBD_CONTROL request (offset: the message type,
 *     payload: the message) and completes with the server's ENBD_CONTROL chunk, or fails with the errno of its
 *     error chunk. Control requests take no range lock and are resubmitted like reads when their connection
 *     fails; they go only to connections that have the extension (ENOTSUP when none of the live ones has).</li>
 * <li>The server pushes events ({@link org.enbd.api.layer.ExportEvent}: size or medium changed) as ENBD_EVENT
 *     chunks with the reserved cookie {@link org.enbd.protocol.EnbdExtension#EVENT_COOKIE}, which the engine
 *     never gives a request. An event answers no request and is no progress against a stall; one this version
 *     cannot read is logged and dropped. Every connection hears each event; the device publishes a change
 *     once. The device publishes them to its
 *     {@link org.enbd.client.RemoteDevice#onEvent} listeners: a local endpoint's stack tells its ENBD-J clients,
 *     a kernel device resizes /dev/nbdN.</li>
 * <li><b>Writes without replies</b> (async no-ack): each connection also asks for {@code NBD_OPT_ENBD_NO_REPLY}.
 *     A WRITE its caller flagged {@link org.enbd.api.layer.RequestFlags#NO_REPLY} (the async feature does) goes
 *     out on such a connection without a reply and completes once sent; it waits in the replay log, its range
 *     locked, until a FLUSH on that connection confirms it (the engine sends one when a request waits for the
 *     range, once a tick, or past the replay limit), and is sent again with a reply if that connection closes
 *     first or the FLUSH fails. A stalled connection holding such writes is reset rather than retired.</li>
 * </ul>
 *
 * <h2>Feature stacks</h2>
 * The local endpoint and the kernel device serve the device through a stack of features
 * ({@link org.enbd.client.DeviceStack}, the server's {@code LayeredExport} with the device as its backend): the
 * same Feature services an export stacks, attached once per device and opened per local connection or relay
 * socket, waiting until every configured one is present ({@link org.enbd.client.ConfiguredFeatures}).
 *
 * <p>2.1.0: {@code RemoteDevice.open} and {@code openRetrying} take a {@link org.enbd.api.stream.ClientSecurity}
 * (the old forms remain, without TLS); {@link org.enbd.client.AwaitedSecurity} for components.
 * 2.4.0: {@link org.enbd.client.OneShotQuery}, one control question asked once (a command's one-shot component).
 */
@Export
@Version("2.4.0")
package org.enbd.client;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
