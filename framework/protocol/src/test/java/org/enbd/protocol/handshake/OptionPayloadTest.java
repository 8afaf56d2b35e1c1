package org.enbd.protocol.handshake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.List;
import org.enbd.protocol.InfoType;
import org.enbd.protocol.OptionReplyType;
import org.enbd.protocol.OptionType;
import org.enbd.protocol.handshake.HandshakeMessage.OptionReply;
import org.junit.jupiter.api.Test;
import org.enbd.protocol.LeakCheck;
import org.junit.jupiter.api.extension.ExtendWith;

/** The typed option payloads: every layout round-trips, every malformed length is refused clearly. */
@ExtendWith(LeakCheck.class)
class OptionPayloadTest {
    private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;

    private static <T> T roundTrip(ByteBuf encoded, java.util.function.Function<ByteBuf, T> parse) {
        try {
            int index = encoded.readerIndex();
            T t = parse.apply(encoded);
            assertEquals(index, encoded.readerIndex(), "parse leaves the indexes alone");
            return t;
        } finally {
            assertTrue(encoded.release());
        }
    }

    private static void assertMalformed(String text, Runnable parse) {
        MalformedOptionException e = assertThrows(MalformedOptionException.class, parse::run);
        assertTrue(e.getMessage().contains(text), e.getMessage());
    }

    @Test
    void exportRequestRoundTrip() {
        ExportRequest r = new ExportRequest("dïsk", List.of(3, 0, 0x99));
        assertEquals(r, roundTrip(r.encode(ALLOC), ExportRequest::parse));
        assertTrue(r.requests(InfoType.BLOCK_SIZE));
        assertFalse(r.requests(InfoType.NAME));
        assertEquals(new ExportRequest("", List.of()), roundTrip(ExportRequest.of("").encode(ALLOC),
                ExportRequest::parse));
    }

    @Test
    void exportRequestNameLongerThanData() {
        ByteBuf b = Unpooled.buffer().writeInt(5).writeBytes("ab".getBytes()).writeShort(0);
        assertMalformed("name length 5", () -> ExportRequest.parse(b));
    }

    @Test
    void exportRequestTooShort() {
        assertMalformed("at least 6", () -> ExportRequest.parse(Unpooled.buffer().writeInt(0)));
    }

    @Test
    void exportRequestInfoCountMismatch() {
        ByteBuf b = Unpooled.buffer().writeInt(0).writeShort(2).writeShort(0);
        assertMalformed("2 information requests", () -> ExportRequest.parse(b));
        ByteBuf trailing = Unpooled.buffer().writeInt(0).writeShort(0).writeByte(1);
        assertMalformed("0 information requests", () -> ExportRequest.parse(trailing));
    }

    @Test
    void exportRequestInvalidUtf8() {
        ByteBuf b = Unpooled.buffer().writeInt(1).writeByte(0xff).writeShort(0);
        assertMalformed("UTF-8", () -> ExportRequest.parse(b));
    }

    @Test
    void metaContextRequestRoundTrip() {
        MetaContextRequest r = new MetaContextRequest("e", List.of("base:allocation", "qemu:dirty-bitmap:b"));
        assertEquals(r, roundTrip(r.encode(ALLOC), MetaContextRequest::parse));
        MetaContextRequest none = new MetaContextRequest("", List.of());
        assertEquals(none, roundTrip(none.encode(ALLOC), MetaContextRequest::parse));
        OptionType set = OptionType.SET_META_CONTEXT;
        HandshakeMessage.OptionRequest req = r.request(set, ALLOC);
        assertEquals(set.value(), req.option());
        assertTrue(req.release());
    }

    @Test
    void metaContextQueryPastTheEnd() {
        ByteBuf b = Unpooled.buffer().writeInt(0).writeInt(1).writeInt(10).writeBytes("base:".getBytes());
        assertMalformed("query 0", () -> MetaContextRequest.parse(b));
    }

    @Test
    void metaContextCountTooLarge() {
        ByteBuf b = Unpooled.buffer().writeInt(0).writeInt(0x7fffffff).writeInt(0);
        assertMalformed("queries cannot fit", () -> MetaContextRequest.parse(b));
    }

    @Test
    void metaContextTruncatedAndTrailing() {
        assertMalformed("export name length", () -> MetaContextRequest.parse(Unpooled.buffer().writeShort(0)));
        assertMalformed("number of queries", () -> MetaContextRequest.parse(Unpooled.buffer().writeInt(0)));
        ByteBuf trailing = Unpooled.buffer().writeInt(0).writeInt(0).writeByte(0);
        assertMalformed("after the last query", () -> MetaContextRequest.parse(trailing));
    }

    @Test
    void infoRepliesRoundTrip() {
        for (InfoReply i : List.of(new InfoReply.Export(-1L, 0xffff), new InfoReply.Name("n"),
                new InfoReply.Description(""), new InfoReply.BlockSize(512, 4096, 1 << 25),
                new InfoReply.Unknown(77))) {
            assertEquals(i, roundTrip(i.encode(ALLOC), InfoReply::parse));
        }
        OptionReply reply = new InfoReply.Name("x").reply(OptionType.GO.value(), ALLOC);
        assertEquals(OptionReplyType.INFO.value(), reply.replyType());
        assertTrue(reply.release());
    }

    @Test
    void infoExportWithWrongLength() {
        ByteBuf b = Unpooled.buffer().writeShort(0).writeLong(1).writeShort(1).writeByte(0);
        assertMalformed("length 13", () -> InfoReply.parse(b));
        assertMalformed("length 11", () -> InfoReply.parse(Unpooled.buffer().writeShort(0).writeLong(1).writeByte(0)));
    }

    @Test
    void infoBlockSizeWithWrongLength() {
        ByteBuf b = Unpooled.buffer().writeShort(3).writeInt(1).writeInt(1);
        assertMalformed("length 10", () -> InfoReply.parse(b));
    }

    @Test
    void infoTooShortForItsType() {
        assertMalformed("at least 2", () -> InfoReply.parse(Unpooled.buffer().writeByte(0)));
    }

    @Test
    void exportListEntryRoundTrip() {
        ExportListEntry e = new ExportListEntry("disk", "a disk");
        assertEquals(e, roundTrip(e.encode(ALLOC), ExportListEntry::parse));
        OptionReply r = e.reply(ALLOC);
        assertEquals(OptionType.LIST.value(), r.option());
        assertTrue(r.release());
    }

    @Test
    void exportListEntryNameTooLong() {
        ByteBuf b = Unpooled.buffer().writeInt(9).writeBytes("abc".getBytes());
        assertMalformed("NBD_REP_SERVER name", () -> ExportListEntry.parse(b));
        assertMalformed("at least 4", () -> ExportListEntry.parse(Unpooled.buffer().writeShort(0)));
    }

    @Test
    void metaContextReplyRoundTrip() {
        MetaContextReply m = new MetaContextReply(7, "base:allocation");
        assertEquals(m, roundTrip(m.encode(ALLOC), MetaContextReply::parse));
        assertMalformed("at least 4", () -> MetaContextReply.parse(Unpooled.buffer().writeShort(1)));
    }
}
