package org.enbd.launcher;

import java.nio.file.Path;

/**
 * What the commands do once the command line is understood. The real implementation boots Felix; tests record
 * the plans instead, so the whole command line is tested without a framework.
 */
public interface Actions {
    /** Boots the framework with the plan's configurations and runs until stopped; returns the exit code. */
    int launch(LaunchPlan plan) throws Exception;

    /**
     * Lists the running instances of this user with their components' live state, then (unless
     * {@code runningOnly}) the plug-ins (transports, backends, features) and the kernel devices in use.
     */
    int list(LaunchPlan plan, boolean runningOnly) throws Exception;

    /**
     * Prints the stats feature's counters of {@code export} (every counted export when empty) as a running
     * instance of this user reports them (the one with {@code pid} when given), as a table or one line of JSON each.
     */
    int localStats(java.util.Optional<String> export, java.util.Optional<Long> pid, boolean json) throws Exception;

    /**
     * Asks a running server's export for its stats (the plan's one query configuration) and prints them, as a
     * table or as the JSON document the server answered.
     */
    int stats(LaunchPlan plan, boolean json) throws Exception;

    /** Disconnects a kernel NBD device (NBD_DISCONNECT), whoever connected it. */
    int disconnect(Path device) throws Exception;
}
