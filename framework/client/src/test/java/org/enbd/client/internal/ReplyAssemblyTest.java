package org.enbd.client.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.List;
import org.enbd.api.NbdError;
import org.enbd.protocol.Command;
import org.enbd.protocol.ReplyChunk;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What a structured reply may say: the caller gets only data every chunk vouches for. */
class ReplyAssemblyTest {
    private static final int CONTEXT = 1;
    private ReplyAssembly assembly;

    @AfterEach
    void discard() {
        if (assembly != null) {
            assembly.discard();
        }
    }

    private ReplyAssembly read(long offset, int length) {
        assembly = new ReplyAssembly(Command.READ, offset, length, CONTEXT, ByteBufAllocator.DEFAULT);
        return assembly;
    }

    private static ReplyChunk.Data data(long at, int length, int fill, boolean done) {
        ByteBuf b = Unpooled.buffer(length);
        for (int i = 0; i < length; i++) {
            b.writeByte(fill);
        }
        return new ReplyChunk.Data(7, 0, done, at, b);
    }

    private static ReplyChunk.Hole hole(long at, int length, boolean done) {
        return new ReplyChunk.Hole(7, 0, done, at, length);
    }

    @Test
    void chunksAndHolesInAnyOrderMakeTheWholeRead() throws Exception {
        ReplyAssembly a = read(4096, 3 * 1024);
        assertFalse(a.accept(data(4096 + 2048, 1024, 3, false)));
        assertFalse(a.accept(hole(4096 + 1024, 1024, false)));
        assertTrue(a.accept(data(4096, 1024, 1, true)));
        ByteBuf out = (ByteBuf) a.result();
        assertEquals(1, out.getByte(0));
        assertEquals(0, out.getByte(1024));
        assertEquals(3, out.getByte(2048));
        out.release();
    }

    /** Issue 19, failure 3: two chunks over the same half counted as the whole READ, the other half zeros. */
    @Test
    void overlappingChunksAreAViolationThoughTheBytesAddUp() throws Exception {
        ReplyAssembly a = read(0, 64 * 1024);
        assertFalse(a.accept(data(0, 32 * 1024, 1, false)));
        assertThrows(ReplyAssembly.Violation.class, () -> a.accept(data(16 * 1024, 32 * 1024, 2, true)));
    }

    @Test
    void aChunkThatEndsInsideAnotherIsAViolation() throws Exception {
        ReplyAssembly a = read(0, 8192);
        assertFalse(a.accept(hole(4096, 4096, false)));
        assertThrows(ReplyAssembly.Violation.class, () -> a.accept(data(0, 4097, 1, true)));
    }

    @Test
    void emptyAndOutsideChunksAreViolations() {
        assertThrows(ReplyAssembly.Violation.class, () -> read(0, 4096).accept(hole(0, 0, false)));
        assertThrows(ReplyAssembly.Violation.class, () -> read(4096, 4096).accept(data(0, 512, 1, false)));
        assertThrows(ReplyAssembly.Violation.class, () -> read(0, 4096).accept(hole(4000, 512, true)));
        assertThrows(ReplyAssembly.Violation.class, () -> read(0, 4096).accept(hole(Long.MAX_VALUE - 10, 512, true)));
    }

    @Test
    void aReadNotCoveredWhenDoneIsAViolationUnlessAnErrorCame() throws Exception {
        assertThrows(ReplyAssembly.Violation.class, () -> read(0, 4096).accept(hole(0, 2048, true)));
        ReplyAssembly a = read(0, 4096);
        assertFalse(a.accept(hole(0, 2048, false)));
        assertTrue(a.accept(new ReplyChunk.Error(7, 0, true, NbdError.EIO.value(), "bad sector", 2048)));
        assertEquals(NbdError.EIO.value(), a.error());
    }

    @Test
    void aSimpleReplyAfterChunksIsAViolation() throws Exception {
        ReplyAssembly a = read(0, 4096);
        assertFalse(a.accept(data(0, 4096, 1, false)));
        ByteBuf simple = Unpooled.wrappedBuffer(new byte[4096]);
        assertThrows(ReplyAssembly.Violation.class, () -> a.accept(new org.enbd.protocol.SimpleReply(7, 0, simple)));
        assertEquals(0, simple.refCnt(), "its data is released, not kept over the chunk's");
    }

    @Test
    void aSecondErrorChunkIsAViolation() throws Exception {
        ReplyAssembly a = read(0, 4096);
        assertFalse(a.accept(new ReplyChunk.Error(7, 0, false, NbdError.EIO.value(), "", -1)));
        assertThrows(ReplyAssembly.Violation.class,
                () -> a.accept(new ReplyChunk.Error(7, 0, false, NbdError.EIO.value(), "", -1)));
    }

    /** Issue 19, failure 4: block status chunks without the done flag were gathered without end. */
    @Test
    void aSecondBlockStatusChunkIsAViolation() throws Exception {
        assembly = new ReplyAssembly(Command.BLOCK_STATUS, 0, 1 << 20, CONTEXT, ByteBufAllocator.DEFAULT);
        List<ReplyChunk.Extent> extents = List.of(new ReplyChunk.Extent(4096, 0));
        assertFalse(assembly.accept(new ReplyChunk.BlockStatus(7, 0, false, CONTEXT, extents)));
        assertThrows(ReplyAssembly.Violation.class,
                () -> assembly.accept(new ReplyChunk.BlockStatus(7, 0, false, CONTEXT, extents)));
    }

    @Test
    void blockStatusExtentsAreCheckedAgainstTheRequest() {
        ReplyChunk.Extent whole = new ReplyChunk.Extent(8192, 0);
        for (var bad : List.of(List.of(new ReplyChunk.Extent(0, 0)), List.of(whole, whole), List.<ReplyChunk.Extent>of())) {
            ReplyAssembly a = new ReplyAssembly(Command.BLOCK_STATUS, 0, 8192, CONTEXT, ByteBufAllocator.DEFAULT);
            assertThrows(ReplyAssembly.Violation.class, () -> a.accept(new ReplyChunk.BlockStatus(7, 0, true,
                    CONTEXT, bad)), bad.toString());
        }
        ReplyAssembly other = new ReplyAssembly(Command.BLOCK_STATUS, 0, 8192, CONTEXT, ByteBufAllocator.DEFAULT);
        assertThrows(ReplyAssembly.Violation.class, () -> other.accept(new ReplyChunk.BlockStatus(7, 0, true, 9,
                List.of(whole))), "a context that was not negotiated");
    }

    @Test
    void theLastExtentMayRunPastTheRequest() throws Exception {
        assembly = new ReplyAssembly(Command.BLOCK_STATUS, 0, 8192, CONTEXT, ByteBufAllocator.DEFAULT);
        assertTrue(assembly.accept(new ReplyChunk.BlockStatus(7, 0, true, CONTEXT,
                List.of(new ReplyChunk.Extent(4096, 1), new ReplyChunk.Extent(1 << 20, 0)))));
        assertEquals(2, ((List<?>) assembly.result()).size());
    }

    @Test
    void aReadSplitIntoTooManySeparatePiecesIsAViolation() throws Exception {
        ReplyAssembly a = read(0, 4 * ReplyAssembly.MAX_PIECES + 4);
        for (int i = 0; i < ReplyAssembly.MAX_PIECES; i++) {
            assertFalse(a.accept(hole(4L * i, 1, false)));
        }
        assertThrows(ReplyAssembly.Violation.class, () -> a.accept(hole(4L * ReplyAssembly.MAX_PIECES, 1, false)));
    }

    @Test
    void adjacentPiecesJoinUp() throws Exception {
        ReplyAssembly a = read(0, 2 * ReplyAssembly.MAX_PIECES + 2);
        for (int i = 0; i <= 2 * ReplyAssembly.MAX_PIECES; i++) {
            assertFalse(a.accept(hole(i, 1, false)));
        }
        assertTrue(a.accept(hole(2 * ReplyAssembly.MAX_PIECES + 1, 1, true)));
        ((ByteBuf) a.result()).release();
    }
}
