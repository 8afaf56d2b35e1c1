package org.enbd.feature.cow.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** What {@code enbd cow} reads from COW_SHOW's line, and how it says it. */
class CowQueryTest {
    @Test
    void readsTheLineTheCowLayerWrites() {
        CowQuery.Overlay o = CowQuery.Overlay.parse("{\"export\":\"d\\\"q\",\"scope\":\"export\",\"store\":"
                + "\"file:/var/lib/a\\\\b.cow\",\"blockSize\":65536,\"dataBlocks\":3,\"zeroBlocks\":1,\"bytes\":196608}");
        assertEquals("d\"q", o.export());
        assertEquals("file:/var/lib/a\\b.cow", o.store());
        assertEquals(65536, o.blockSize());
        assertEquals(3, o.dataBlocks());
        assertEquals(1, o.zeroBlocks());
        assertEquals(196608, o.bytes());
        assertFalse(o.empty());
        assertEquals("3 data blocks (196608 bytes), 1 zero block", o.summary());
        assertEquals(List.of("export       \"d\"q\"", "scope        export", "store        file:/var/lib/a\\b.cow",
                "block size   65536", "data blocks  3", "zero blocks  1", "bytes        196608"), o.lines());
    }

    @Test
    void anEmptyOverlayOfAConnectionSaysWhoseItIs() {
        CowQuery.Overlay o = CowQuery.Overlay.parse("{\"export\":\"s\",\"scope\":\"connection\",\"store\":\"memory\","
                + "\"blockSize\":4096,\"dataBlocks\":0,\"zeroBlocks\":0,\"bytes\":0}");
        assertTrue(o.empty());
        assertTrue(o.lines().get(1).contains("the asking connection's"), o.lines().get(1));
    }

    @Test
    void anAnswerWithoutAFieldIsRefusedNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CowQuery.Overlay.parse(
                "{\"export\":\"d\",\"scope\":\"export\",\"store\":\"memory\",\"blockSize\":65536,\"dataBlocks\":3}"));
        assertTrue(e.getMessage().startsWith("no \"zeroBlocks\" in "), e.getMessage());
    }
}
