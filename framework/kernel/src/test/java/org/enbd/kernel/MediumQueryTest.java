package org.enbd.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.enbd.api.layer.ExportEvent;
import org.junit.jupiter.api.Test;

/** MEDIA_QUERY's answer read as the medium the server's push describes, so asking and hearing agree. */
class MediumQueryTest {
    @Test
    void anAnswerReadsAsThePushedEventOfTheSameMedium() {
        assertEquals(new ExportEvent.MediumChanged(true, "generation 3: /srv/cd.iso inode 12 size 4096"),
                SizeFollower.parse("generation=3 present=true size=4096 detail=/srv/cd.iso inode 12 size 4096\n"));
        assertEquals(new ExportEvent.MediumChanged(false, "generation 4: tray open"),
                SizeFollower.parse("generation=4 present=false size=0 detail=tray open"));
    }

    @Test
    void aLineItCannotReadIsNoMedium() {
        assertNull(SizeFollower.parse("accepted generation 3"));
        assertNull(SizeFollower.parse(""));
    }
}
