package org.enbd.launcher;

import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.enbd.kernel.DeviceStateFile;

/**
 * The remote export a command acts on ({@code enbd ioctl}, {@code enbd cow}): its URI as given, or the server
 * ENBD-J attached a kernel device {@code /dev/nbdN} to, as the device's state file names it (the stock nbd driver
 * answers every request on {@code /dev/nbdN} itself, so these go over ENBD-J's own control channel instead).
 */
final class ExportTarget {
    private static final Pattern NBD_DEVICE = Pattern.compile("/dev/nbd(\\d+)");

    private ExportTarget() {
    }

    /**
     * The export's URI for {@code text}.
     *
     * @param usage makes the usage error for a message
     */
    static String uri(String text, DeviceStateFile states, Function<String, RuntimeException> usage) {
        Matcher device = NBD_DEVICE.matcher(text);
        if (device.matches()) {
            int index = Integer.parseInt(device.group(1));
            return states.read(index).map(DeviceStateFile.State::server).filter(s -> !s.isBlank())
                    .orElseThrow(() -> usage.apply(text + " is not attached by ENBD-J (no " + states.path(index)
                            + "): give the export's URI instead"));
        }
        if (text.startsWith("/")) {
            throw usage.apply(text + " is not an NBD device (/dev/nbdN): give /dev/nbdN or the export's URI");
        }
        NbdUri.problem(text).ifPresent(problem -> {
            throw usage.apply("'" + text + "' " + problem + ": " + NbdUri.EXPECTED);
        });
        return text;
    }
}
