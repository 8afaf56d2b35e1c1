package org.enbd.launcher;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Records what the commands ask for instead of booting a framework. */
final class RecordingActions implements Actions {
    final List<LaunchPlan> launched = new ArrayList<>();
    final List<LaunchPlan> listed = new ArrayList<>();
    final List<Path> disconnected = new ArrayList<>();
    /** Each stats plan, with whether --json was given. */
    final List<LaunchPlan> asked = new ArrayList<>();
    final List<Boolean> askedJson = new ArrayList<>();

    @Override
    public int launch(LaunchPlan plan) {
        launched.add(plan);
        return 0;
    }

    /** Whether each list asked for the running instances only. */
    final List<Boolean> listedRunningOnly = new ArrayList<>();
    /** Each local stats request: the export (or empty), the pid (or empty), --json. */
    final List<List<Object>> askedLocal = new ArrayList<>();

    @Override
    public int list(LaunchPlan plan, boolean runningOnly) {
        listed.add(plan);
        listedRunningOnly.add(runningOnly);
        return 0;
    }

    @Override
    public int localStats(java.util.Optional<String> export, java.util.Optional<Long> pid, boolean json) {
        askedLocal.add(List.of(export, pid, json));
        return 0;
    }

    @Override
    public int stats(LaunchPlan plan, boolean json) {
        asked.add(plan);
        askedJson.add(json);
        return 0;
    }

    @Override
    public int disconnect(Path device) {
        disconnected.add(device);
        return 0;
    }
}
