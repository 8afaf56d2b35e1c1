package org.enbd.api.stream;

import java.io.IOException;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * The client's side of STARTTLS, for {@code nbds://} URIs: loads the credentials a URI names, the way libnbd reads
 * them ({@code ?tls-certificates=DIR} with {@code ca-cert.pem} and optionally {@code client-cert.pem} and
 * {@code client-key.pem}; {@code nbds://IDENTITY@HOST/?tls-psk-file=FILE}), once, when a device opens. The result
 * makes one TLS handler per connection ({@link StreamSecurity#newHandler} with {@link StreamSecurity.Role#CLIENT}
 * and the host name to verify the server's certificate against), so reconnects run TLS again with what was loaded.
 *
 * <p>Loading reads files and keys: it blocks, and is called off the event loops (the client engine does it in
 * {@code RemoteDevice.open}). {@code newHandler} runs on the connection's event loop and only uses what is loaded.
 * The handler completes its handshake with Netty's {@code SslHandshakeCompletionEvent} (success, or the failure with
 * an {@link javax.net.ssl.SSLException} whose message says why: the server's certificate expired, was issued by a CA
 * other than {@code ca-cert.pem}, names another host; the server refused our key). Provided by the ssl bundle;
 * absent, a client asked for {@code nbds://} does not connect at all.
 */
@ConsumerType
public interface ClientSecurity {
    /**
     * Loads what {@code uri} names for TLS.
     *
     * @throws IOException naming the file or parameter and what is wrong with it (a missing CA, a key that is not
     *                     the certificate's, neither {@code tls-certificates} nor {@code tls-psk-file} given, ...)
     */
    StreamSecurity credentials(StreamAddress uri) throws IOException;
}
