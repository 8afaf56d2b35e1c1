package org.enbd.launcher;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * systemd's socket activation (sd_listen_fds(3)): LISTEN_FDS listening sockets from descriptor 3 on, meant for
 * the process LISTEN_PID names. The server then listens on those ({@code fd:N} listeners) instead of binding.
 */
final class SocketActivation {
    /** The first descriptor passed (SD_LISTEN_FDS_START). */
    static final int FIRST = 3;

    private SocketActivation() {
    }

    /** The inherited sockets as listen addresses; none when LISTEN_FDS is unset or meant for another process. */
    static List<ListenAddress> inherited() {
        String fds = Environment.get("LISTEN_FDS");
        String pid = Environment.get("LISTEN_PID");
        if (fds == null || pid == null || !forUs(pid.trim())) {
            return List.of();
        }
        int count;
        try {
            count = Integer.parseInt(fds.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("LISTEN_FDS=" + fds + " is not a number");
        }
        List<ListenAddress> addresses = new ArrayList<>();
        for (int fd = FIRST; fd < FIRST + count; fd++) {
            addresses.add(ListenAddress.parse("fd:" + fd));
        }
        return addresses;
    }

    /**
     * Whether LISTEN_PID is this process, or the ./enbd script that runs this JVM as its child (it cannot know the
     * JVM's pid when systemd starts it, and it passes the descriptors on).
     */
    private static boolean forUs(String pid) {
        if (pid.equals(Long.toString(ProcessHandle.current().pid()))) {
            return true;
        }
        Optional<ProcessHandle> parent = ProcessHandle.current().parent();
        return parent.isPresent() && pid.equals(Long.toString(parent.get().pid()))
                && parent.get().info().arguments().stream().flatMap(java.util.Arrays::stream)
                .anyMatch(argument -> !argument.isEmpty() && Path.of(argument).getFileName() != null
                        && Path.of(argument).getFileName().toString().equals("enbd"));
    }
}
