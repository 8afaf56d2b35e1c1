package org.enbd.server.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import java.net.SocketAddress;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One line when a client enters transmission (peer, export, TLS or not) and one when it leaves (with how long it
 * stayed and the bytes each way), at INFO: what an admin reads to see who uses which export. Sits first in the
 * connection's pipeline behind TLS, so it counts NBD's own bytes; it only adds to counters on the event loop.
 */
public final class ConnectionLog extends ChannelDuplexHandler {
    /** Its name in the pipeline. */
    public static final String NAME = "nbd-connection-log";
    private static final Logger LOG = LoggerFactory.getLogger("org.enbd.server.connections");

    private final long since = System.nanoTime();
    private long received;
    private long sent;
    private String export;
    private boolean tls;

    /** Tells the connection's log, if it has one, that it entered transmission. */
    static void transmitting(Channel channel, String exportName, boolean tls) {
        if (channel.pipeline().get(NAME) instanceof ConnectionLog log) {
            log.export = exportName;
            log.tls = tls;
            LOG.info(log.connectedLine(channel));
        }
    }

    String connectedLine(Channel channel) {
        return peer(channel) + ": connected to " + describe(export) + " (" + (tls ? "TLS" : "no TLS") + ")";
    }

    String disconnectedLine(Channel channel) {
        String stayed = String.format(Locale.ROOT, "%.1f s", (System.nanoTime() - since) / 1e9);
        return export != null
                ? peer(channel) + ": disconnected from " + describe(export) + " (" + (tls ? "TLS" : "no TLS")
                        + ") after " + stayed + ", " + bytes(received) + " received, " + bytes(sent) + " sent"
                : peer(channel) + ": disconnected after " + stayed + " without choosing an export ("
                        + bytes(received) + " received, " + bytes(sent) + " sent)";
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        LOG.debug("{}: connection accepted", peer(ctx.channel()));
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        received += size(msg);
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        sent += size(msg);
        ctx.write(msg, promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        LOG.info(disconnectedLine(ctx.channel()));
        super.channelInactive(ctx);
    }

    static String describe(String exportName) {
        return exportName.isEmpty() ? "the default export" : "export '" + exportName + "'";
    }

    /** Bytes as an admin reads them: exact below a KiB, else in binary units with one decimal. */
    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        double value = n;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }

    private static String peer(Channel channel) {
        SocketAddress remote = channel.remoteAddress();
        String text = remote == null ? "" : remote.toString();
        // a Unix socket's client is usually unnamed
        return text.isEmpty() || text.equals("null") ? "local client on " + channel.localAddress() : text;
    }

    private static long size(Object msg) {
        if (msg instanceof ByteBuf buf) {
            return buf.readableBytes();
        }
        return msg instanceof ByteBufHolder holder ? holder.content().readableBytes() : 0;
    }
}
