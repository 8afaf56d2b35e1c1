package org.enbd.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DeviceTable over a fake /sys/block: what enbd list says for free, foreign, live and orphaned devices. */
class DeviceTableTest {
    @TempDir
    Path tmp;

    private Path device(int index, String pid, String backend, long sectors) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("sys/nbd" + index));
        Files.writeString(dir.resolve("size"), sectors + "\n");
        if (pid != null) {
            Files.writeString(dir.resolve("pid"), pid + "\n");
        }
        if (backend != null) {
            Files.writeString(dir.resolve("backend"), backend + "\n");
        }
        return dir;
    }

    private DeviceTable table() {
        return new DeviceTable(tmp.resolve("sys"), new DeviceStateFile(tmp.resolve("run")));
    }

    @Test
    void listsFreeForeignLiveAndOrphanedDevicesInIndexOrder() throws Exception {
        long me = ProcessHandle.current().pid();
        device(10, null, null, 0);
        device(2, "777", "nbd-client-thing", 2048);
        device(0, Long.toString(me), "enbd-j:" + me + ":nbd://127.0.0.1:10809/disk", 2097152);
        device(1, "999999999", "enbd-j:999999999:nbd://gone/x", 8);
        Files.createDirectories(tmp.resolve("sys/loop0"));
        List<DeviceEntry> all = table().list();
        assertEquals(List.of(0, 1, 2, 10), all.stream().map(DeviceEntry::index).toList());

        DeviceEntry live = all.get(0);
        assertTrue(live.attached() && live.ours() && !live.orphaned());
        assertEquals(1L << 30, live.sizeBytes());
        assertEquals("nbd://127.0.0.1:10809/disk", live.server());

        assertTrue(all.get(1).orphaned(), "its owner process is gone");
        DeviceEntry foreign = all.get(2);
        assertTrue(foreign.attached());
        assertFalse(foreign.ours());
        assertNull(foreign.owner());
        assertFalse(all.get(3).attached());
        assertEquals("/dev/nbd10\tfree", all.get(3).line());
        assertTrue(table().render().contains("/dev/nbd1\tattached\t4096\tenbd-j pid 999999999 (dead)"),
                table().render());
    }

    @Test
    void theStateFileNamesTheServerWhenTheKernelHasNoBackendIdentifier() throws Exception {
        long me = ProcessHandle.current().pid();
        device(3, "12345", null, 100);
        new DeviceStateFile(tmp.resolve("run")).write(3,
                new DeviceStateFile.State("/dev/nbd3", me, "nbd://srv/e", 2, "ioctl"));
        DeviceEntry e = table().find(3).orElseThrow();
        assertTrue(e.ours());
        assertEquals(me, e.owner().pid());
        assertEquals("nbd://srv/e", e.server());
    }

    @Test
    void aStateFileLeftForAFreeDeviceIsIgnored() throws Exception {
        device(4, null, null, 0);
        new DeviceStateFile(tmp.resolve("run")).write(4, new DeviceStateFile.State("/dev/nbd4", 1, "nbd://x/", 1, "netlink"));
        DeviceEntry e = table().find(4).orElseThrow();
        assertFalse(e.attached());
        assertFalse(e.ours());
    }

    @Test
    void withoutTheModuleThereAreNoDevicesAndTheNoteSaysWhy() {
        assertEquals(List.of(), table().list());
        assertTrue(table().render().contains("modprobe nbd"));
    }

    @Test
    void onlyWholeNbdDevicesCount() {
        assertEquals(0, DeviceTable.indexOf("nbd0"));
        assertEquals(15, DeviceTable.indexOf("nbd15"));
        assertEquals(-1, DeviceTable.indexOf("nbd"));
        assertEquals(-1, DeviceTable.indexOf("nbd0p1"));
        assertEquals(-1, DeviceTable.indexOf("sda"));
    }

    @Test
    void ownersRoundTripThroughTheBackendIdentifier() {
        DeviceOwner o = new DeviceOwner(42, "nbd+unix:///e?socket=/s:x");
        assertEquals(o, DeviceOwner.parse(o.backend()).orElseThrow());
        assertTrue(DeviceOwner.parse("something-else").isEmpty());
        assertTrue(DeviceOwner.parse("enbd-j:notapid:x").isEmpty());
    }
}
