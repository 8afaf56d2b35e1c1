package org.enbd.client.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.enbd.protocol.EnbdExtension;
import org.enbd.protocol.HandshakeFlags;
import org.enbd.protocol.InfoType;
import org.enbd.protocol.NbdMagic;
import org.enbd.protocol.OptionReplyType;
import org.enbd.protocol.OptionType;
import org.enbd.protocol.TransmissionFlags;
import org.enbd.protocol.handshake.ClientHandshakeDecoder;
import org.enbd.protocol.handshake.HandshakeEncoder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The client's handshake against scripted server bytes: GO, the EXPORT_NAME fallbacks, fatal refusals. */
class ClientHandshakeTest {
    private final CompletableFuture<Session> result = new CompletableFuture<>();
    private EmbeddedChannel channel;
    private boolean flagsSeen;

    /** The handler a test's TLS provider made, and the server name it was given. */
    private final java.util.List<Object> tlsMade = new java.util.ArrayList<>();

    /** A client that asks for TLS with a provider whose handler does nothing but stand in the pipeline. */
    private void startTls(String export) {
        ClientHandshakeDecoder decoder = new ClientHandshakeDecoder();
        org.enbd.api.stream.StreamSecurity tls = (ch, role, serverName) -> {
            tlsMade.add(role);
            tlsMade.add(serverName);
            return new io.netty.channel.ChannelInboundHandlerAdapter();
        };
        channel = new EmbeddedChannel(new HandshakeEncoder(), decoder,
                new ClientHandshake(export, true, tls, "server.example", decoder, result));
    }

    private void start(String export) {
        ClientHandshakeDecoder decoder = new ClientHandshakeDecoder();
        channel = new EmbeddedChannel(new HandshakeEncoder(), decoder,
                new ClientHandshake(export, false, null, null, decoder, result));
    }

    @AfterEach
    void finish() {
        channel.finishAndReleaseAll();
    }

    private void server(ByteBuf bytes) {
        channel.writeInbound(bytes);
    }

    private static ByteBuf greeting(int flags) {
        return Unpooled.buffer().writeLong(NbdMagic.NBDMAGIC).writeLong(NbdMagic.IHAVEOPT).writeShort(flags);
    }

    private static ByteBuf reply(OptionType option, OptionReplyType type, ByteBuf data) {
        ByteBuf b = Unpooled.buffer().writeLong(NbdMagic.OPTION_REPLY).writeInt(option.value()).writeInt(type.value())
                .writeInt(data == null ? 0 : data.readableBytes());
        if (data != null) {
            b.writeBytes(data);
            data.release();
        }
        return b;
    }

    /** The options the client wrote, in order (client flags first). */
    private int nextOption() {
        ByteBuf out = Unpooled.buffer();
        for (Object o; (o = channel.readOutbound()) != null; ) {
            ByteBuf b = (ByteBuf) o;
            out.writeBytes(b);
            b.release();
        }
        if (!flagsSeen && out.readableBytes() >= 4) {
            out.skipBytes(4);
            flagsSeen = true;
        }
        int option = -1;
        while (out.readableBytes() >= 16 && out.getLong(out.readerIndex()) == NbdMagic.IHAVEOPT) {
            out.skipBytes(8);
            option = out.readInt();
            out.skipBytes(out.readInt());
        }
        out.release();
        return option;
    }

    @Test
    void fixedNewstyleNegotiatesStructuredRepliesAllocationAndGo() throws Exception {
        start("disk");
        server(greeting(HandshakeFlags.FIXED_NEWSTYLE | HandshakeFlags.NO_ZEROES));
        assertEquals(OptionType.STRUCTURED_REPLY.value(), nextOption());
        server(reply(OptionType.STRUCTURED_REPLY, OptionReplyType.ACK, null));
        assertEquals(OptionType.SET_META_CONTEXT.value(), nextOption());
        ByteBuf ctx = Unpooled.buffer().writeInt(7).writeBytes("base:allocation".getBytes(StandardCharsets.UTF_8));
        server(reply(OptionType.SET_META_CONTEXT, OptionReplyType.META_CONTEXT, ctx));
        server(reply(OptionType.SET_META_CONTEXT, OptionReplyType.ACK, null));
        assertEquals(OptionType.ENBD.value(), nextOption());
        server(reply(OptionType.ENBD, OptionReplyType.ERR_UNSUP, null));
        assertEquals(OptionType.GO.value(), nextOption());
        int flags = TransmissionFlags.HAS_FLAGS | TransmissionFlags.CAN_MULTI_CONN | TransmissionFlags.SEND_FLUSH;
        server(reply(OptionType.GO, OptionReplyType.INFO,
                Unpooled.buffer().writeShort(InfoType.EXPORT.value()).writeLong(1 << 30).writeShort(flags)));
        server(reply(OptionType.GO, OptionReplyType.INFO, Unpooled.buffer().writeShort(InfoType.BLOCK_SIZE.value())
                .writeInt(512).writeInt(4096).writeInt(1 << 22)));
        assertFalse(result.isDone());
        server(reply(OptionType.GO, OptionReplyType.ACK, null));
        Session s = result.get();
        assertEquals(1 << 30, s.size());
        assertTrue(s.multiConn() && s.flush() && s.structured());
        assertEquals(7, s.allocationContext());
        assertEquals(512, s.blockSizes().minimum());
        assertEquals(1 << 22, s.blockSizes().maximum());
        assertFalse(s.enbd(), "a standard server's ERR_UNSUP: no extension, nothing else changes");
    }

    /** Greeting, structured replies and base:allocation agreed, up to the ENBD option (whose data it returns). */
    private ByteBuf upToTheEnbdOption() {
        start("disk");
        server(greeting(HandshakeFlags.FIXED_NEWSTYLE | HandshakeFlags.NO_ZEROES));
        nextOption();
        server(reply(OptionType.STRUCTURED_REPLY, OptionReplyType.ACK, null));
        nextOption();
        server(reply(OptionType.SET_META_CONTEXT, OptionReplyType.ACK, null));
        ByteBuf out = Unpooled.buffer();
        for (Object o; (o = channel.readOutbound()) != null; ) {
            ByteBuf b = (ByteBuf) o;
            out.writeBytes(b);
            b.release();
        }
        return out;
    }

    private void finishWithGo() throws Exception {
        assertEquals(OptionType.GO.value(), nextOption());
        server(reply(OptionType.GO, OptionReplyType.INFO, Unpooled.buffer().writeShort(InfoType.EXPORT.value())
                .writeLong(4096).writeShort(TransmissionFlags.HAS_FLAGS)));
        server(reply(OptionType.GO, OptionReplyType.ACK, null));
    }

    @Test
    void anEnbdServerAcknowledgesTheExtensionAskedWithItsVersion() throws Exception {
        ByteBuf option = upToTheEnbdOption();
        assertEquals(NbdMagic.IHAVEOPT, option.readLong());
        assertEquals(EnbdExtension.OPTION, option.readInt());
        assertEquals(4, option.readInt(), "the data is the 4-byte version");
        assertEquals(EnbdExtension.VERSION, option.readInt());
        assertFalse(option.isReadable());
        option.release();
        server(reply(OptionType.ENBD, OptionReplyType.ACK, null));
        assertEquals(EnbdExtension.OPTION_NO_REPLY, nextOption(), "then it asks for writes without replies");
        server(reply(OptionType.ENBD_NO_REPLY, OptionReplyType.ACK, null));
        finishWithGo();
        assertTrue(result.get().enbd());
        assertTrue(result.get().noReply());
    }

    @Test
    void anEnbdServerOfBeforeWritesWithoutRepliesAnswersEveryWrite() throws Exception {
        upToTheEnbdOption().release();
        server(reply(OptionType.ENBD, OptionReplyType.ACK, null));
        assertEquals(EnbdExtension.OPTION_NO_REPLY, nextOption());
        server(reply(OptionType.ENBD_NO_REPLY, OptionReplyType.ERR_UNSUP, null));
        finishWithGo();
        assertTrue(result.get().enbd());
        assertFalse(result.get().noReply(), "every write is then sent with a reply");
    }

    @Test
    void anyRefusalOfTheExtensionLeavesTheConnectionWithoutItAndTheHandshakeGoesOn() throws Exception {
        upToTheEnbdOption().release();
        server(reply(OptionType.ENBD, OptionReplyType.ERR_POLICY,
                Unpooled.copiedBuffer("not for you", StandardCharsets.UTF_8)));
        finishWithGo();
        Session s = result.get();
        assertFalse(s.enbd());
        assertEquals(4096, s.size());
    }

    @Test
    void withoutStructuredRepliesTheExtensionIsNotAsked() throws Exception {
        start("disk");
        server(greeting(HandshakeFlags.FIXED_NEWSTYLE));
        nextOption();
        server(reply(OptionType.STRUCTURED_REPLY, OptionReplyType.ERR_UNSUP, null));
        finishWithGo();
        assertFalse(result.get().enbd());
    }

    @Test
    void serverWithoutGoGetsExportName() throws Exception {
        start("old");
        server(greeting(HandshakeFlags.FIXED_NEWSTYLE));
        nextOption();
        server(reply(OptionType.STRUCTURED_REPLY, OptionReplyType.ERR_UNSUP, null));
        assertEquals(OptionType.GO.value(), nextOption());
        server(reply(OptionType.GO, OptionReplyType.ERR_UNSUP, null));
        assertEquals(OptionType.EXPORT_NAME.value(), nextOption());
        server(Unpooled.buffer().writeLong(4096).writeShort(TransmissionFlags.HAS_FLAGS).writeZero(124));
        Session s = result.get();
        assertEquals(4096, s.size());
        assertFalse(s.structured());
        assertEquals(-1, s.allocationContext());
    }

    @Test
    void plainNewstyleServerGetsExportNameAtOnce() throws Exception {
        start("");
        server(greeting(0));
        assertEquals(OptionType.EXPORT_NAME.value(), nextOption());
        server(Unpooled.buffer().writeLong(8192).writeShort(TransmissionFlags.HAS_FLAGS).writeZero(124));
        assertEquals(8192, result.get().size());
    }

    @Test
    void tlsRequiredIsFatalWithTheReason() {
        start("disk");
        server(greeting(HandshakeFlags.FIXED_NEWSTYLE));
        nextOption();
        server(reply(OptionType.STRUCTURED_REPLY, OptionReplyType.ERR_TLS_REQD, null));
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, result::get);
        HandshakeFailure f = assertInstanceOf(HandshakeFailure.class, e.getCause());
        assertTrue(f.fatal());
        assertTrue(f.getMessage().contains("TLS"), f.getMessage());
    }

    @Test
    void policyRefusalOfGoIsFatalAndShutdownIsNot() {
        start("disk");
        server(greeting(HandshakeFlags.FIXED_NEWSTYLE));
        nextOption();
        server(reply(OptionType.STRUCTURED_REPLY, OptionReplyType.ERR_UNSUP, null));
        nextOption();
        server(reply(OptionType.GO, OptionReplyType.ERR_POLICY,
                Unpooled.copiedBuffer("not from your address", StandardCharsets.UTF_8)));
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, result::get);
        HandshakeFailure f = assertInstanceOf(HandshakeFailure.class, e.getCause());
        assertTrue(f.fatal());
        assertTrue(f.getMessage().contains("not from your address"), f.getMessage());

        CompletableFuture<Session> second = new CompletableFuture<>();
        ClientHandshakeDecoder decoder = new ClientHandshakeDecoder();
        EmbeddedChannel other = new EmbeddedChannel(new HandshakeEncoder(), decoder,
                new ClientHandshake("disk", false, null, null, decoder, second));
        other.writeInbound(greeting(HandshakeFlags.FIXED_NEWSTYLE));
        other.writeInbound(reply(OptionType.STRUCTURED_REPLY, OptionReplyType.ERR_UNSUP, null));
        other.writeInbound(reply(OptionType.GO, OptionReplyType.ERR_SHUTDOWN, null));
        ExecutionException e2 = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, second::get);
        assertFalse(assertInstanceOf(HandshakeFailure.class, e2.getCause()).fatal(), "a server going down: retry");
        other.finishAndReleaseAll();
    }

    @Test
    void anOldstyleServerIsRefused() {
        start("disk");
        server(Unpooled.buffer().writeLong(NbdMagic.NBDMAGIC).writeLong(NbdMagic.CLISERV).writeShort(0));
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, result::get);
        assertTrue(assertInstanceOf(HandshakeFailure.class, e.getCause()).fatal());
    }

    @Test
    void tlsStartsFirstAndTheOptionsFollowTheTlsHandshake() {
        startTls("disk");
        server(greeting(HandshakeFlags.FIXED_NEWSTYLE | HandshakeFlags.NO_ZEROES));
        assertEquals(OptionType.STARTTLS.value(), nextOption(), "STARTTLS before any other option");
        assertTrue(tlsMade.isEmpty(), "no TLS handler before the server's ACK");
        server(reply(OptionType.STARTTLS, OptionReplyType.ACK, null));
        assertEquals(java.util.List.of(org.enbd.api.stream.StreamSecurity.Role.CLIENT, "server.example"), tlsMade);
        assertEquals("nbd-tls", channel.pipeline().names().getFirst(), "the TLS handler reads the next bytes first");
        assertEquals(-1, nextOption(), "nothing more until the TLS handshake is done");
        channel.pipeline().fireUserEventTriggered(io.netty.handler.ssl.SslHandshakeCompletionEvent.SUCCESS);
        assertEquals(OptionType.STRUCTURED_REPLY.value(), nextOption());
        assertFalse(result.isDone());
    }

    @Test
    void aServerThatRefusesStarttlsIsRefusedForGoodNeverInClear() {
        for (OptionReplyType refusal : new OptionReplyType[] {OptionReplyType.ERR_POLICY, OptionReplyType.ERR_UNSUP}) {
            if (channel != null) {
                channel.finishAndReleaseAll();
            }
            CompletableFuture<Session> attempt = new CompletableFuture<>();
            ClientHandshakeDecoder decoder = new ClientHandshakeDecoder();
            channel = new EmbeddedChannel(new HandshakeEncoder(), decoder, new ClientHandshake("disk", true,
                    (ch, role, name) -> new io.netty.channel.ChannelInboundHandlerAdapter(), null, decoder, attempt));
            flagsSeen = false;
            server(greeting(HandshakeFlags.FIXED_NEWSTYLE));
            assertEquals(OptionType.STARTTLS.value(), nextOption());
            server(reply(OptionType.STARTTLS, refusal, Unpooled.copiedBuffer("TLS is turned off",
                    StandardCharsets.UTF_8)));
            ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                    attempt::get);
            HandshakeFailure f = assertInstanceOf(HandshakeFailure.class, e.getCause());
            assertTrue(f.fatal(), refusal + " to STARTTLS is final");
            assertTrue(f.getMessage().contains("does not do TLS") && f.getMessage().contains("NBD_REP_" + refusal)
                    && f.getMessage().contains("TLS is turned off"), f.getMessage());
            assertEquals(-1, nextOption(), "no option is sent in clear after the refusal");
            assertFalse(channel.isActive());
        }
    }

    @Test
    void aRefusedTlsHandshakeIsFatalAndALostConnectionIsNot() {
        startTls("disk");
        server(greeting(HandshakeFlags.FIXED_NEWSTYLE));
        nextOption();
        server(reply(OptionType.STARTTLS, OptionReplyType.ACK, null));
        channel.pipeline().fireUserEventTriggered(new io.netty.handler.ssl.SslHandshakeCompletionEvent(
                new javax.net.ssl.SSLHandshakeException("the server certificate CN=s expired on 2020-01-01")));
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, result::get);
        HandshakeFailure f = assertInstanceOf(HandshakeFailure.class, e.getCause());
        assertTrue(f.fatal());
        assertTrue(f.getMessage().contains("TLS handshake") && f.getMessage().contains("expired on 2020-01-01"),
                f.getMessage());

        CompletableFuture<Session> second = new CompletableFuture<>();
        ClientHandshakeDecoder decoder = new ClientHandshakeDecoder();
        EmbeddedChannel other = new EmbeddedChannel(new HandshakeEncoder(), decoder, new ClientHandshake("disk",
                true, (ch, role, name) -> new io.netty.channel.ChannelInboundHandlerAdapter(), null, decoder,
                second));
        other.writeInbound(greeting(HandshakeFlags.FIXED_NEWSTYLE));
        other.writeInbound(reply(OptionType.STARTTLS, OptionReplyType.ACK, null));
        other.close(); // the server went away mid-handshake: SslHandler reports it once the channel is inactive
        other.pipeline().fireUserEventTriggered(new io.netty.handler.ssl.SslHandshakeCompletionEvent(
                new javax.net.ssl.SSLHandshakeException("connection closed while handshake in progress")));
        ExecutionException e2 = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, second::get);
        assertFalse(assertInstanceOf(HandshakeFailure.class, e2.getCause()).fatal(), "the network's: retry");
        other.finishAndReleaseAll();
    }

    @Test
    void tlsWithAServerThatIsNotFixedNewstyleIsRefused() {
        startTls("disk");
        server(greeting(0));
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, result::get);
        HandshakeFailure f = assertInstanceOf(HandshakeFailure.class, e.getCause());
        assertTrue(f.fatal());
        assertTrue(f.getMessage().contains("not fixed newstyle"), f.getMessage());
    }

    @Test
    void tlsWithoutAProviderIsRefused() {
        ClientHandshakeDecoder decoder = new ClientHandshakeDecoder();
        channel = new EmbeddedChannel(new HandshakeEncoder(), decoder,
                new ClientHandshake("disk", true, null, null, decoder, result));
        server(greeting(HandshakeFlags.FIXED_NEWSTYLE));
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, result::get);
        assertTrue(assertInstanceOf(HandshakeFailure.class, e.getCause()).fatal());
        assertEquals(-1, nextOption(), "not even the client flags' options in clear");
    }
}
