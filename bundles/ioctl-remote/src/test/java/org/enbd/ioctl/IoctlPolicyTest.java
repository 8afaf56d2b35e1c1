package org.enbd.ioctl;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class IoctlPolicyTest {
    private final IoctlTable table = IoctlTable.standard();

    private Ioctl named(String name) {
        return table.named(name).orElseThrow();
    }

    @Test
    void groupsAndNamesJoinedByPlus() {
        IoctlPolicy policy = IoctlPolicy.parse("cdrom+BLKGETSIZE64", table);
        assertTrue(policy.allows(named("CDROMEJECT")));
        assertTrue(policy.allows(named("BLKGETSIZE64")));
        assertFalse(policy.allows(named("BLKFLSBUF")));
        assertFalse(policy.allows(named("FDEJECT")));
    }

    @Test
    void nothingIsAllowedByDefault() {
        assertTrue(IoctlPolicy.parse(null, table).none());
        assertTrue(IoctlPolicy.parse("none", table).none());
        assertFalse(IoctlPolicy.parse("", table).allows(named("CDROM_DRIVE_STATUS")));
    }

    @Test
    void allAllowsTheWholeTable() {
        IoctlPolicy policy = IoctlPolicy.parse("all", table);
        assertTrue(table.entries().stream().allMatch(policy::allows));
    }

    @Test
    void anUnknownWordIsRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> IoctlPolicy.parse("cdrom+cdrmo", table));
        assertTrue(e.getMessage().contains("'cdrmo'"), e.getMessage());
    }
}
