package org.enbd.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DeviceDisconnect's answers that need no nbd driver: a missing device or module, a device that is free. */
class DeviceDisconnectTest {
    @TempDir
    Path tmp;

    private DeviceDisconnect over(Path sys) {
        return new DeviceDisconnect(new DeviceTable(sys, new DeviceStateFile(tmp.resolve("run"))));
    }

    @Test
    void aDeviceWithoutSysfsEntryIsNoSuchDeviceWithTheModprobeHint() throws Exception {
        Path node = Files.createFile(tmp.resolve("nbd3"));
        IOException e = assertThrows(IOException.class, () -> over(tmp.resolve("sys")).disconnect(node));
        assertEquals(node + ": no such NBD device (is the nbd module loaded? modprobe nbd)", e.getMessage());
    }

    @Test
    void aMissingDeviceNodeIsNoSuchDeviceEvenWhenSysfsHasIt() throws Exception {
        Files.createDirectories(tmp.resolve("sys/nbd4"));
        Path node = tmp.resolve("nbd4");
        IOException e = assertThrows(IOException.class, () -> over(tmp.resolve("sys")).disconnect(node));
        assertEquals(node + ": no such NBD device (is the nbd module loaded? modprobe nbd)", e.getMessage());
    }

    @Test
    void aFreeDeviceIsNotConnectedAndNeedsNoKernelCall() throws Exception {
        Path sys = Files.createDirectories(tmp.resolve("sys/nbd5")).getParent();
        Files.writeString(sys.resolve("nbd5/size"), "0\n");
        Path node = Files.createFile(tmp.resolve("nbd5"));
        assertEquals(DeviceDisconnect.Outcome.NOT_CONNECTED, over(sys).disconnect(node));
    }

    @Test
    void thisMachinesMissingModuleGivesTheSameMessage() {
        assumeFalse(Files.isDirectory(Path.of("/sys/block/nbd0")), "the nbd module is loaded here");
        IOException e = assertThrows(IOException.class, () -> new DeviceDisconnect().disconnect(Path.of("/dev/nbd0")));
        assertEquals("/dev/nbd0: no such NBD device (is the nbd module loaded? modprobe nbd)", e.getMessage());
    }
}
