package org.enbd.ioctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class IoctlTableTest {
    private final IoctlTable table = IoctlTable.standard();

    @Test
    void knowsAtLeastAHundredIoctlsInTheirGroups() {
        assertTrue(table.entries().size() >= 100, "entries: " + table.entries().size());
        assertEquals(List.of("block", "hdio", "cdrom", "floppy", "loop", "scsi", "pr"), List.copyOf(table.groups()));
    }

    @Test
    void numbersAreTheKernelHeaders() {
        // values as the C preprocessor computes them on x86_64
        assertEquals(0x5309, number("CDROMEJECT"));
        assertEquals(0x5326, number("CDROM_DRIVE_STATUS"));
        assertEquals(0x80081272L, number("BLKGETSIZE64"));
        assertEquals(0x80081270L, number("BLKBSZGET"));
        assertEquals(0x1277, number("BLKDISCARD"));
        assertEquals(0x127B, number("BLKPBSZGET"));
        assertEquals(0x80081280L, number("BLKGETDISKSEQ"));
        assertEquals(0x80200204L, number("FDGETPRM"));
        assertEquals(0x025A, number("FDEJECT"));
        assertEquals(0x401870C8L, number("IOC_PR_REGISTER"));
        assertEquals(0x4C07, number("LOOP_SET_CAPACITY"));
    }

    @Test
    void marshallingSaysHowTheArgumentTravels() {
        assertEquals(Marshal.NONE, table.named("cdromeject").orElseThrow().marshal());
        assertEquals(Marshal.VALUE, table.named("CDROM_LOCKDOOR").orElseThrow().marshal());
        assertEquals(Marshal.OUT, table.named("HDIO_GETGEO").orElseThrow().marshal());
        assertEquals(16, table.named("HDIO_GETGEO").orElseThrow().size());
        assertEquals(Marshal.IN, table.named("BLKZEROOUT").orElseThrow().marshal());
        assertEquals(Marshal.INOUT, table.named("CDROMREADTOCENTRY").orElseThrow().marshal());
    }

    @Test
    void aNameIsInTheTableOnce() {
        Ioctl a = new Ioctl("X", "g", 1, Marshal.NONE, 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new IoctlTable(List.of(a, new Ioctl("X", "h", 2, Marshal.NONE, 0))));
        assertTrue(e.getMessage().contains("X"), e.getMessage());
    }

    @Test
    void anEntrySizeMatchesItsMarshalling() {
        assertThrows(IllegalArgumentException.class, () -> new Ioctl("A", "g", 1, Marshal.OUT, 0));
        assertThrows(IllegalArgumentException.class, () -> new Ioctl("A", "g", 1, Marshal.VALUE, 4));
        assertThrows(IllegalArgumentException.class, () -> new Ioctl("a", "g", 1, Marshal.NONE, 0));
    }

    @Test
    void everyPointerArgumentHasABoundedSize() {
        for (Ioctl entry : table.entries()) {
            assertTrue(entry.size() <= IoctlControl.MAX_DATA, entry.toString());
        }
    }

    private long number(String name) {
        return table.named(name).orElseThrow().number();
    }
}
