package org.enbd.ioctl.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.enbd.ioctl.Errno;
import org.enbd.ioctl.IoctlControl;
import org.enbd.ioctl.IoctlTable;
import org.junit.jupiter.api.Test;

class IoctlCallTest {
    private final IoctlTable table = IoctlTable.standard();

    @Test
    void argumentsAreParsedAsTheTableSays() {
        assertEquals(new IoctlControl.Request("CDROM_LOCKDOOR", 1, new byte[0]),
                IoctlCall.request(table, "cdrom_lockdoor", "1"));
        assertEquals(0x7FFFFFFF, IoctlCall.request(table, "CDROM_DRIVE_STATUS", "0x7fffffff").value());
        assertArrayEquals(new byte[] {0, 0x10, 0, 0}, IoctlCall.request(table, "BLKZEROOUT", "00100000").data());
        assertThrows(IllegalArgumentException.class, () -> IoctlCall.request(table, "CDROMEJECT", "1"));
        assertThrows(IllegalArgumentException.class, () -> IoctlCall.request(table, "CDROM_LOCKDOOR", "yes"));
        assertThrows(IllegalArgumentException.class, () -> IoctlCall.request(table, "BLKZEROOUT", "zz"));
        assertThrows(IllegalArgumentException.class, () -> IoctlCall.request(table, "BLKZEROOUT", "00".repeat(17)));
        assertThrows(IllegalArgumentException.class, () -> IoctlCall.request(table, "NOPE", ""));
    }

    @Test
    void answersAreToldInWords() {
        assertEquals("CDROM_DRIVE_STATUS = 2 (CDS_TRAY_OPEN)",
                IoctlCall.describe("CDROM_DRIVE_STATUS", new IoctlControl.Reply(2, 0, new byte[0])));
        assertEquals("CDROMEJECT failed: EBUSY (result -1)",
                IoctlCall.describe("CDROMEJECT", new IoctlControl.Reply(-1, Errno.EBUSY, new byte[0])));
        assertEquals("BLKGETSIZE64 = 0, out 8 bytes: 0000100000000000 (1048576)",
                IoctlCall.describe("BLKGETSIZE64", new IoctlControl.Reply(0, 0, new byte[] {0, 0, 0x10, 0, 0, 0, 0, 0})));
    }
}
