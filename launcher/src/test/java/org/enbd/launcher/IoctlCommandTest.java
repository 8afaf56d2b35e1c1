package org.enbd.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.enbd.kernel.DeviceStateFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code enbd ioctl}: one call configuration of the ioctl bundle, for a URI or an ENBD-J kernel device. */
class IoctlCommandTest {
    @TempDir
    Path states;

    private record Run(int exit, String err, RecordingActions actions) {
    }

    private Run run(String... args) {
        RecordingActions actions = new RecordingActions();
        CommandLine commandLine = new CommandLine(new EnbdCommand())
                .addSubcommand(IoctlCommand.reading(actions, states));
        StringWriter err = new StringWriter();
        commandLine.setErr(new PrintWriter(err, true));
        return new Run(commandLine.execute(args), err.toString(), actions);
    }

    @Test
    void aUriBecomesOneCallOfTheIoctlBundle() {
        Run run = run("ioctl", "nbd://127.0.0.1:10809/cd", "CDROM_LOCKDOOR", "1");
        assertEquals(0, run.exit(), run.err());
        FactoryConfiguration call = run.actions().asked.getFirst().configurations().getFirst();
        assertEquals("org.enbd.ioctl~call", call.pid());
        assertEquals(Map.of("uri", "nbd://127.0.0.1:10809/cd", "ioctl", "CDROM_LOCKDOOR", "argument", "1",
                "timeoutSeconds", 48), call.properties());
        assertEquals(List.of(false), run.actions().askedJson);
    }

    @Test
    void aKernelDeviceIsAskedThroughTheServerItIsAttachedTo() throws Exception {
        new DeviceStateFile(states).write(0, new DeviceStateFile.State("/dev/nbd0", 42, "nbd://10.0.0.1:10809/cd",
                2, "netlink"));
        Run run = run("ioctl", "--json", "/dev/nbd0", "CDROMEJECT");
        assertEquals(0, run.exit(), run.err());
        FactoryConfiguration call = run.actions().asked.getFirst().configurations().getFirst();
        assertEquals("nbd://10.0.0.1:10809/cd", call.properties().get("uri"));
        assertEquals("", call.properties().get("argument"));
        assertEquals(List.of(true), run.actions().askedJson);
    }

    @Test
    void aDeviceEnbdDidNotAttachOrAPlainPathIsAUsageError() {
        Run unattached = run("ioctl", "/dev/nbd3", "CDROMEJECT");
        assertEquals(2, unattached.exit());
        assertTrue(unattached.err().contains("/dev/nbd3 is not attached by ENBD-J"), unattached.err());
        Run local = run("ioctl", "/dev/sr0", "CDROMEJECT");
        assertEquals(2, local.exit());
        assertTrue(local.err().contains("is not an NBD device"), local.err());
        Run missing = run("ioctl", "nbd://h/cd");
        assertEquals(2, missing.exit());
        assertTrue(missing.actions().asked.isEmpty());
    }
}
