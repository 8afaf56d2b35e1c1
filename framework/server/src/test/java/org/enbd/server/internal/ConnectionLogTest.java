package org.enbd.server.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

class ConnectionLogTest {
    @Test
    void aClientThatChoseAnExportIsLoggedWithItsExportTlsDurationAndBytes() {
        ConnectionLog log = new ConnectionLog();
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.pipeline().addLast(ConnectionLog.NAME, log);
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[300]));
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[2048]));
        channel.writeOutbound(Unpooled.wrappedBuffer(new byte[3 << 20]));
        ConnectionLog.transmitting(channel, "disk", true);
        assertEquals("embedded: connected to export 'disk' (TLS)", log.connectedLine(channel));
        String line = log.disconnectedLine(channel);
        assertTrue(line.matches("embedded: disconnected from export 'disk' \\(TLS\\) after \\d+\\.\\d s, "
                + "2\\.3 KiB received, 3\\.0 MiB sent"), line);
        release(channel);
    }

    @Test
    void aClientThatOnlyListedSaysSoAndTheDefaultExportIsNamedInWords() {
        ConnectionLog log = new ConnectionLog();
        EmbeddedChannel channel = new EmbeddedChannel(log);
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[18]));
        assertTrue(log.disconnectedLine(channel).matches("embedded: disconnected after \\d+\\.\\d s without "
                + "choosing an export \\(18 B received, 0 B sent\\)"), log.disconnectedLine(channel));
        EmbeddedChannel other = new EmbeddedChannel();
        other.pipeline().addLast(ConnectionLog.NAME, new ConnectionLog());
        ConnectionLog.transmitting(other, "", false);
        assertEquals("embedded: connected to the default export (no TLS)",
                ((ConnectionLog) other.pipeline().get(ConnectionLog.NAME)).connectedLine(other));
        release(channel);
        release(other);
    }

    @Test
    void bytesReadAsAdminsWriteThem() {
        assertEquals("1023 B", ConnectionLog.bytes(1023));
        assertEquals("1.0 KiB", ConnectionLog.bytes(1024));
        assertEquals("1.0 PiB", ConnectionLog.bytes(1L << 50));
    }

    private static void release(EmbeddedChannel channel) {
        for (Object m; (m = channel.readInbound()) != null; ) {
            ((ByteBuf) m).release();
        }
        for (Object m; (m = channel.readOutbound()) != null; ) {
            ((ByteBuf) m).release();
        }
        channel.finishAndReleaseAll();
    }
}
