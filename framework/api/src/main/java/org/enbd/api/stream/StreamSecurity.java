package org.enbd.api.stream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.util.AttributeKey;
import java.io.IOException;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * TLS as NBD does it: an upgrade inside the handshake (NBD_OPT_STARTTLS), not a transport of its own, so that
 * {@code nbds://} is tcp plus TLS required. The server inserts the handler before it writes the STARTTLS reply;
 * the client inserts it when the ACK arrives. Provided by the ssl bundle; absent, the server answers STARTTLS
 * per its policy (NBD_REP_ERR_POLICY or ERR_UNSUP) and a client asked for {@code nbds://} fails at once.
 */
@ConsumerType
public interface StreamSecurity {
    /**
     * The peer's authenticated identity, set on the channel by the provider's handler as soon as its handshake
     * succeeds (before any data after it is read): the common name of the peer certificate's subject (the whole
     * subject when it has none), or the PSK identity. Absent when the peer did not authenticate (TLS without
     * client certificates). The server hands it to features as {@code SessionContext.identity()}.
     */
    AttributeKey<String> IDENTITY = AttributeKey.valueOf("enbd.stream.identity");

    /** Service property naming a security profile, so an export or device can ask for one. */
    String PROFILE = "enbd.security.profile";

    /** Which end of the handshake this is. */
    enum Role { CLIENT, SERVER }

    /**
     * A new TLS handler for {@code channel}.
     *
     * @param serverName the name to verify (client) or null
     */
    ChannelHandler newHandler(Channel channel, Role role, String serverName) throws IOException;
}
