package org.enbd.server.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.enbd.backend.memory.internal.MemoryLayer;
import org.enbd.protocol.EnbdExtension;
import org.enbd.protocol.NbdMagic;
import org.enbd.protocol.OptionReplyType;
import org.enbd.protocol.handshake.HandshakeEncoder;
import org.enbd.protocol.handshake.ServerHandshakeDecoder;
import org.enbd.server.ExportDirectory;
import org.enbd.server.LayeredExport;
import org.enbd.server.ServerLimits;
import org.enbd.server.TlsPolicy;
import org.enbd.server.TransmissionPhase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The handshake fed raw client bytes on an EmbeddedChannel, through to the first transmission replies. */
class HandshakeHandlerTest {
    /** An ENBD extension claimed by a feature's hook: option 0x0e000001 is acknowledged and recorded. */
    private final org.enbd.api.layer.Feature extension = new org.enbd.api.layer.Feature() {
        @Override
        public org.enbd.api.layer.AttachedFeature attach(org.enbd.api.layer.ExportContext export,
                org.enbd.api.layer.ExportEvents events) {
            return (next, session) -> {
                sessions.add(session);
                return next;
            };
        }

        @Override
        public boolean option(org.enbd.api.layer.OptionExchange exchange) {
            if (exchange.option() != 0x0e000001) {
                return false;
            }
            exchange.attribute("enbd.extension", exchange.data().readableBytes());
            exchange.ack();
            return true;
        }
    };
    private final List<org.enbd.api.layer.SessionContext> sessions = new ArrayList<>();
    private final LayeredExport disk = newDisk(extension);
    private final List<TransmissionPhase> started = new ArrayList<>();
    private EmbeddedChannel channel;

    @BeforeEach
    void connect() {
        HandshakeSettings settings = new HandshakeSettings(ExportDirectory.of(disk), ServerLimits.DEFAULT,
                TlsPolicy.OFF, null, started::add, () -> false);
        channel = new EmbeddedChannel();
        channel.pipeline().addLast(HandshakeHandler.DECODER, new ServerHandshakeDecoder())
                .addLast(HandshakeHandler.ENCODER, new HandshakeEncoder())
                .addLast(HandshakeHandler.HANDLER, new HandshakeHandler(settings));
        ByteBuf greeting = out();
        assertEquals(NbdMagic.NBDMAGIC, greeting.readLong());
        assertEquals(NbdMagic.IHAVEOPT, greeting.readLong());
        assertEquals(3, greeting.readUnsignedShort());
        greeting.release();
    }

    private static LayeredExport newDisk(org.enbd.api.layer.Feature feature) {
        try {
            return new LayeredExport(new org.enbd.api.layer.ExportContext("disk", false, java.util.Map.of()), "",
                    new MemoryLayer(1 << 20, false), List.of(org.enbd.server.StackEntry.of("extension", feature)),
                    new org.enbd.server.ExportEventHub("disk"));
        } catch (org.enbd.api.NbdException e) {
            throw new AssertionError(e);
        }
    }

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
        disk.close();
    }

    /**
     * What the server wrote, once it has settled: the stack opens off the event loop and the handshake goes on
     * when that completes, so tasks are run until the output stops growing.
     */
    private ByteBuf out() {
        long deadline = System.nanoTime() + 5_000_000_000L;
        // reading stays off while a stack is being opened; once it is back on and stays so, the server is done
        for (int quiet = 0; quiet < 10 && System.nanoTime() < deadline; ) {
            channel.runPendingTasks();
            quiet = channel.config().isAutoRead() ? quiet + 1 : 0;
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        channel.runPendingTasks();
        ByteBuf all = Unpooled.buffer();
        Object o;
        while ((o = channel.readOutbound()) != null) {
            all.writeBytes((ByteBuf) o);
            ((ByteBuf) o).release();
        }
        return all;
    }

    private static void option(ByteBuf b, int option, ByteBuf data) {
        b.writeLong(NbdMagic.IHAVEOPT).writeInt(option).writeInt(data.readableBytes()).writeBytes(data);
        data.release();
    }

    private static ByteBuf name(String name, int... infos) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        ByteBuf b = Unpooled.buffer().writeInt(n.length).writeBytes(n).writeShort(infos.length);
        for (int info : infos) {
            b.writeShort(info);
        }
        return b;
    }

    private static ByteBuf meta(String export, String query) {
        byte[] n = export.getBytes(StandardCharsets.UTF_8);
        byte[] q = query.getBytes(StandardCharsets.UTF_8);
        return Unpooled.buffer().writeInt(n.length).writeBytes(n).writeInt(1).writeInt(q.length).writeBytes(q);
    }

    /** Reads one option reply and returns its type, after checking it answers {@code option}. */
    private static int reply(ByteBuf in, int option) {
        assertEquals(NbdMagic.OPTION_REPLY, in.readLong());
        assertEquals(option, in.readInt());
        int type = in.readInt();
        in.skipBytes(in.readInt());
        return type;
    }

    @Test
    void goWithBlockStatusAndARequestPipelinedInTheSameBytes() {
        ByteBuf in = Unpooled.buffer().writeInt(3);
        option(in, 8, Unpooled.EMPTY_BUFFER);                          // STRUCTURED_REPLY
        option(in, 10, meta("disk", "base:allocation"));               // SET_META_CONTEXT
        option(in, 7, name("disk", 3));                                // GO asking for BLOCK_SIZE
        in.writeInt(NbdMagic.REQUEST).writeShort(0).writeShort(7).writeLong(42).writeLong(0).writeInt(65536);
        channel.writeInbound(in);
        ByteBuf out = out();
        assertEquals(OptionReplyType.ACK.value(), reply(out, 8));
        assertEquals(OptionReplyType.META_CONTEXT.value(), reply(out, 10));
        assertEquals(OptionReplyType.ACK.value(), reply(out, 10));
        assertEquals(OptionReplyType.INFO.value(), reply(out, 7));    // INFO_EXPORT
        assertEquals(OptionReplyType.INFO.value(), reply(out, 7));    // INFO_BLOCK_SIZE
        assertEquals(OptionReplyType.ACK.value(), reply(out, 7));
        assertEquals(NbdMagic.STRUCTURED_REPLY, out.readInt());       // the pipelined BLOCK_STATUS
        assertEquals(1, out.readUnsignedShort());                     // DONE
        assertEquals(5, out.readUnsignedShort());                     // BLOCK_STATUS
        assertEquals(42, out.readLong());
        assertEquals(12, out.readInt());
        assertEquals(MetaContexts.ALLOCATION_ID, out.readInt());
        assertEquals(65536, out.readInt());
        assertEquals(3, out.readInt());
        assertFalse(out.isReadable());
        out.release();
        assertEquals(1, started.size());
        assertNotNull(channel.pipeline().get(TransmissionPhase.DISPATCHER));
        assertTrue(channel.pipeline().get(HandshakeHandler.DECODER) == null);
    }

    @Test
    void extendedHeadersThenExportName() {
        ByteBuf in = Unpooled.buffer().writeInt(3);
        option(in, 11, Unpooled.EMPTY_BUFFER);                         // EXTENDED_HEADERS
        option(in, 1, Unpooled.copiedBuffer("disk", StandardCharsets.UTF_8));
        in.writeInt(NbdMagic.EXTENDED_REQUEST).writeShort(0).writeShort(3).writeLong(9).writeLong(0).writeLong(0);
        channel.writeInbound(in);
        ByteBuf out = out();
        assertEquals(OptionReplyType.ACK.value(), reply(out, 11));
        assertEquals(1 << 20, out.readLong());
        out.readUnsignedShort();                                       // flags, no zeroes (NO_ZEROES agreed)
        assertEquals(NbdMagic.EXTENDED_REPLY, out.readInt());         // FLUSH answered with an extended chunk
        assertEquals(1, out.readUnsignedShort());
        assertEquals(0, out.readUnsignedShort());                     // NONE
        assertEquals(9, out.readLong());
        out.release();
    }

    @Test
    void infoForAnUnknownExportAndListAndUnknownOption() {
        ByteBuf in = Unpooled.buffer().writeInt(1);
        option(in, 6, name("nope"));
        option(in, 3, Unpooled.EMPTY_BUFFER);
        option(in, 77, Unpooled.EMPTY_BUFFER);
        option(in, 9, meta("disk", "base:"));                          // LIST_META_CONTEXT before structured
        channel.writeInbound(in);
        ByteBuf out = out();
        assertEquals(OptionReplyType.ERR_UNKNOWN.value(), reply(out, 6));
        assertEquals(OptionReplyType.SERVER.value(), reply(out, 3));
        assertEquals(OptionReplyType.ACK.value(), reply(out, 3));
        assertEquals(OptionReplyType.ERR_UNSUP.value(), reply(out, 77));
        assertEquals(OptionReplyType.ERR_INVALID.value(), reply(out, 9));
        out.release();
        assertTrue(channel.isActive());
    }

    @Test
    void aClientThatSendsMoreOptionsThanTheLimitIsClosedAfterTheLimit() {
        int limit = ServerLimits.DEFAULT.maxOptions();
        ByteBuf in = Unpooled.buffer().writeInt(1);
        for (int i = 0; i <= limit; i++) {
            option(in, 77, Unpooled.EMPTY_BUFFER);
        }
        channel.writeInbound(in);
        ByteBuf out = out();
        for (int i = 0; i < limit; i++) {
            assertEquals(OptionReplyType.ERR_UNSUP.value(), reply(out, 77));
        }
        assertFalse(out.isReadable(), "the option past the limit is not answered");
        out.release();
        assertFalse(channel.isActive());
    }

    @Test
    void malformedGoIsInvalidAndTheHandshakeGoesOn() {
        ByteBuf in = Unpooled.buffer().writeInt(1);
        option(in, 7, Unpooled.buffer().writeInt(1000).writeShort(0));
        option(in, 2, Unpooled.EMPTY_BUFFER);
        channel.writeInbound(in);
        ByteBuf out = out();
        assertEquals(OptionReplyType.ERR_INVALID.value(), reply(out, 7));
        assertEquals(OptionReplyType.ACK.value(), reply(out, 2));
        out.release();
        channel.runPendingTasks();
        assertFalse(channel.isActive(), "ABORT closes after the ACK");
    }

    @Test
    void featureHooksAnswerTheirOptionsAndRecordAttributesForTheSession() {
        ByteBuf in = Unpooled.buffer().writeInt(3);
        option(in, 0x0e000001, Unpooled.buffer().writeInt(7));
        option(in, 7, name("disk"));
        channel.writeInbound(in);
        ByteBuf out = out();
        assertEquals(OptionReplyType.ACK.value(), reply(out, 0x0e000001));
        assertEquals(OptionReplyType.INFO.value(), reply(out, 7));
        assertEquals(OptionReplyType.ACK.value(), reply(out, 7));
        out.release();
        assertEquals(1, sessions.size());
        assertEquals(4, sessions.get(0).attributes().get("enbd.extension"));
    }

    @Test
    void enbdExtensionCarriesControlRequestsAndPushesEvents() {
        ByteBuf in = Unpooled.buffer().writeInt(3);
        option(in, 8, Unpooled.EMPTY_BUFFER);                                  // STRUCTURED_REPLY
        option(in, EnbdExtension.OPTION, Unpooled.buffer().writeInt(EnbdExtension.VERSION));
        option(in, 7, name("disk"));                                           // GO
        byte[] ping = "ping".getBytes(StandardCharsets.UTF_8);
        in.writeInt(NbdMagic.REQUEST).writeShort(0).writeShort(EnbdExtension.CMD_CONTROL).writeLong(77)
                .writeLong(EnbdExtension.CONTROL_PING).writeInt(ping.length).writeBytes(ping);
        channel.writeInbound(in);
        ByteBuf out = out();
        assertEquals(OptionReplyType.ACK.value(), reply(out, 8));
        assertEquals(OptionReplyType.ACK.value(), reply(out, EnbdExtension.OPTION));
        assertEquals(OptionReplyType.INFO.value(), reply(out, 7));
        assertEquals(OptionReplyType.ACK.value(), reply(out, 7));
        assertEquals(NbdMagic.STRUCTURED_REPLY, out.readInt());               // the control reply
        assertEquals(1, out.readUnsignedShort());
        assertEquals(EnbdExtension.REPLY_CONTROL, out.readUnsignedShort());
        assertEquals(77, out.readLong());
        assertEquals(ping.length, out.readInt());
        assertEquals("ping", out.readCharSequence(ping.length, StandardCharsets.UTF_8).toString());
        assertFalse(out.isReadable());
        out.release();

        disk.eventHub().publish(new org.enbd.api.layer.ExportEvent.SizeChanged(2 << 20));
        ByteBuf event = out();
        assertEquals(NbdMagic.STRUCTURED_REPLY, event.readInt());
        assertEquals(1, event.readUnsignedShort());
        assertEquals(EnbdExtension.REPLY_EVENT, event.readUnsignedShort());
        assertEquals(EnbdExtension.EVENT_COOKIE, event.readLong());
        int length = event.readInt();
        assertEquals(new org.enbd.api.layer.ExportEvent.SizeChanged(2 << 20),
                EnbdExtension.decodeEvent(event.readSlice(length)));
        event.release();

        // the new size counts at once: a read past the old end passes the check (and reaches the layer)
        ByteBuf read = Unpooled.buffer().writeInt(NbdMagic.REQUEST).writeShort(0).writeShort(0).writeLong(78)
                .writeLong(1 << 20).writeInt(512);
        channel.writeInbound(read);
        ByteBuf answered = out();
        assertEquals(NbdMagic.STRUCTURED_REPLY, answered.readInt());
        answered.readUnsignedShort();
        int type = answered.readUnsignedShort();
        assertEquals(78, answered.readLong());
        answered.readInt();
        if (type == 0x8001) {
            assertFalse(answered.readInt() == 22, "not refused as beyond the end (EINVAL) by the check");
        }
        answered.release();
    }

    @Test
    void withoutTheExtensionAControlRequestIsAnUnknownCommandAndNoEventIsPushed() {
        ByteBuf in = Unpooled.buffer().writeInt(3);
        option(in, 8, Unpooled.EMPTY_BUFFER);
        option(in, EnbdExtension.OPTION, Unpooled.buffer().writeShort(1));    // malformed: not 4 bytes
        option(in, 7, name("disk"));
        in.writeInt(NbdMagic.REQUEST).writeShort(0).writeShort(EnbdExtension.CMD_CONTROL).writeLong(5)
                .writeLong(EnbdExtension.CONTROL_PING).writeInt(0);
        channel.writeInbound(in);
        ByteBuf out = out();
        assertEquals(OptionReplyType.ACK.value(), reply(out, 8));
        assertEquals(OptionReplyType.ERR_INVALID.value(), reply(out, EnbdExtension.OPTION));
        assertEquals(OptionReplyType.INFO.value(), reply(out, 7));
        assertEquals(OptionReplyType.ACK.value(), reply(out, 7));
        assertEquals(NbdMagic.STRUCTURED_REPLY, out.readInt());
        out.readUnsignedShort();
        assertEquals(0x8001, out.readUnsignedShort());                        // NBD_REPLY_TYPE_ERROR
        assertEquals(5, out.readLong());
        out.readInt();
        assertEquals(22, out.readInt());                                       // EINVAL
        out.release();
        disk.eventHub().publish(new org.enbd.api.layer.ExportEvent.MediumChanged(false, "ejected"));
        ByteBuf none = out();
        assertFalse(none.isReadable(), "a client without the extension is never sent an event");
        none.release();
    }

    @Test
    void enbdNeedsStructuredReplies() {
        ByteBuf in = Unpooled.buffer().writeInt(3);
        option(in, EnbdExtension.OPTION, Unpooled.buffer().writeInt(EnbdExtension.VERSION));
        channel.writeInbound(in);
        ByteBuf out = out();
        assertEquals(OptionReplyType.ERR_INVALID.value(), reply(out, EnbdExtension.OPTION));
        out.release();
    }

    @Test
    void onATlsOnlyServerFeatureHooksNeverAnswerInClear() {
        channel.finishAndReleaseAll();
        HandshakeSettings settings = new HandshakeSettings(ExportDirectory.of(disk), ServerLimits.DEFAULT,
                TlsPolicy.REQUIRED, null, started::add, () -> false);
        channel = new EmbeddedChannel();
        channel.pipeline().addLast(HandshakeHandler.DECODER, new ServerHandshakeDecoder())
                .addLast(HandshakeHandler.ENCODER, new HandshakeEncoder())
                .addLast(HandshakeHandler.HANDLER, new HandshakeHandler(settings));
        out().release();
        ByteBuf in = Unpooled.buffer().writeInt(3);
        option(in, 0x0e000001, Unpooled.buffer().writeInt(7));
        channel.writeInbound(in);
        ByteBuf out = out();
        assertEquals(OptionReplyType.ERR_TLS_REQD.value(), reply(out, 0x0e000001));
        out.release();
    }

    @Test
    void theTlsIdentityReachesFeaturesAndAnExportForAnotherIdentityIsRefusedByPolicy() throws Exception {
        channel.finishAndReleaseAll();
        LayeredExport alices = new LayeredExport(new org.enbd.api.layer.ExportContext("alices", false,
                java.util.Map.of(HandshakeHandler.TLS_IDENTITY, "alice")), "", new MemoryLayer(1 << 20, false),
                List.of(org.enbd.server.StackEntry.of("extension", extension)),
                new org.enbd.server.ExportEventHub("alices"));
        HandshakeSettings settings = new HandshakeSettings(ExportDirectory.of(alices), ServerLimits.DEFAULT,
                TlsPolicy.OFF, null, started::add, () -> false);
        channel = new EmbeddedChannel();
        // what the TLS provider's handler sets once its handshake succeeded
        channel.attr(org.enbd.api.stream.StreamSecurity.IDENTITY).set("bob");
        channel.pipeline().addLast(HandshakeHandler.DECODER, new ServerHandshakeDecoder())
                .addLast(HandshakeHandler.ENCODER, new HandshakeEncoder())
                .addLast(HandshakeHandler.HANDLER, new HandshakeHandler(settings));
        out().release();
        ByteBuf in = Unpooled.buffer().writeInt(3);
        option(in, 7, name("alices"));                                 // GO as bob
        channel.writeInbound(in);
        ByteBuf out = out();
        assertEquals(OptionReplyType.ERR_POLICY.value(), reply(out, 7));
        out.release();
        assertTrue(sessions.isEmpty(), "the export's stack was not opened for bob");
        channel.attr(org.enbd.api.stream.StreamSecurity.IDENTITY).set("alice");
        in = Unpooled.buffer();
        option(in, 7, name("alices"));                                 // GO as alice
        channel.writeInbound(in);
        out = out();
        assertEquals(OptionReplyType.INFO.value(), reply(out, 7));
        assertEquals(OptionReplyType.ACK.value(), reply(out, 7));
        out.release();
        assertEquals("alice", sessions.getFirst().identity());
        alices.close();
    }
}
