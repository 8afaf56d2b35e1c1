/**
 * The request path, after nbdkit's plugins and filters: a {@link org.enbd.api.layer.Layer} answers the
 * requests of one export; a backend ends the chain and {@link org.enbd.api.layer.Feature}s wrap it.
 *
 * <h2>2.0.0</h2>
 * One asynchronous request contract instead of a blocking {@code Layer} beside an {@code AsyncLayer}: every
 * request method returns a {@link java.util.concurrent.CompletionStage} and never blocks, so wrappers keep the
 * thread-free path by construction. Features have a per-export life ({@link org.enbd.api.layer.Feature#attach}
 * returning an {@link org.enbd.api.layer.AttachedFeature}) and a per-connection one
 * ({@link org.enbd.api.layer.AttachedFeature#open}), both off the event loop; layers report size and medium
 * changes upward as {@link org.enbd.api.layer.ExportEvent}s; {@link org.enbd.api.layer.Layer#control} carries
 * ENBD control messages down the stack.
 *
 * <h2>How ENBD's features sit on this interface</h2>
 * Each is one bundle registering one {@link org.enbd.api.layer.Feature} service; none knows the others, and an
 * export (server side) or a device (client side) names its stack in order, as {@code nbdkit --filter=a --filter=b}.
 * <ul>
 * <li><b>copy-on-write</b> (ENBD's local-write/remote-read): {@code write}, {@code zero} and {@code trim} go to an
 *     overlay (memory or a local sparse file) kept per export; {@code read} and {@code extents} merge the overlay
 *     over {@code next}; {@code capabilities()} turns writable even when {@code next} is read-only.</li>
 * <li><b>sync modes</b>: {@code write} adds {@link org.enbd.api.layer.RequestFlags#FUA} or calls {@code flush}
 *     after each write; {@code capabilities()} reports FUA as native. Direct I/O and raw devices are options of
 *     the file and device backends, not of the feature.</li>
 * <li><b>async modes</b> (late or no acks): a client-side feature whose {@code write} returns before {@code next}
 *     completes, keeping the write in its own queue until {@code flush}; its loss window is documented there.</li>
 * <li><b>partitions</b>: a feature that reads the MBR or GPT through {@code next} at open, then shifts offsets
 *     and narrows {@code size()} to the chosen partition; requests beyond it fail with EINVAL before reaching
 *     {@code next}.</li>
 * <li><b>removable media</b>: a feature that probes {@code next} on a schedule (framework scheduler, not its own
 *     thread), fails requests with EIO and a "medium" message while no medium is present, and publishes a
 *     media-change event; the handshake hook advertises the ENBD media option to ENBD peers only.</li>
 * <li><b>remote ioctls</b>: an ENBD extension option claimed by {@link org.enbd.api.layer.Feature#option}
 *     (standard peers never send it, and a standard server answers it with ERR_UNSUP), then a feature on each side
 *     that carries ioctl requests as that option's data.</li>
 * <li><b>accounting</b>: a pass-through feature that counts requests, bytes, errors by kind and latency for
 *     every method, read by the console and the CLI.</li>
 * <li><b>fault injection</b> (tests): a feature that delays or fails chosen calls.</li>
 * </ul>
 */
@Export
@Version("2.1.0")
package org.enbd.api.layer;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
