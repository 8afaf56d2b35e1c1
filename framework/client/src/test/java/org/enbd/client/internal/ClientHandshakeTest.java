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

    private void start(String export) {
        ClientHandshakeDecoder decoder = new ClientHandshakeDecoder();
        channel = new EmbeddedChannel(new HandshakeEncoder(), decoder,
                new ClientHandshake(export, false, decoder, result));
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
        finishWithGo();
        assertTrue(result.get().enbd());
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
                new ClientHandshake("disk", false, decoder, second));
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
}
