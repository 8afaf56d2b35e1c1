package org.enbd.launcher;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import picocli.CommandLine;

/** Runs a command line against {@link RecordingActions} and keeps what it printed. */
record Cli(int exit, String out, String err, RecordingActions actions) {
    static Cli run(String... args) {
        RecordingActions actions = new RecordingActions();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = Main.commandLine(actions);
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int exit = commandLine.execute(args);
        return new Cli(exit, out.toString(), err.toString(), actions);
    }

    /** The one plan a server or client command line launched. */
    LaunchPlan plan() {
        if (actions.launched.size() != 1) {
            throw new AssertionError("expected one launch, got " + actions.launched + "; stderr: " + err);
        }
        return actions.launched.getFirst();
    }

    FactoryConfiguration only(String factoryPid) {
        List<FactoryConfiguration> of = plan().of(factoryPid);
        if (of.size() != 1) {
            throw new AssertionError("expected one " + factoryPid + ", got " + of);
        }
        return of.getFirst();
    }

    List<String> errLines() {
        return err.lines().toList();
    }
}
