package org.enbd.launcher;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/** The {@code enbd} command: options every subcommand shares, and the subcommands. */
@Command(name = "enbd", mixinStandardHelpOptions = true, versionProvider = EnbdCommand.Version.class,
        showDefaultValues = true, usageHelpAutoWidth = true,
        description = {"ENBD-J: an NBD server, a resilient multi-connection NBD client and kernel device attach, "
                + "as plug-ins of an OSGi framework (Apache Felix)."},
        footer = {"", "Examples:",
                "  enbd server             (a 1 GiB memory disk as the default export)",
                "  enbd server --export disk=file:/srv/disk.img --listen 0.0.0.0:10809 \\",
                "              --console 127.0.0.1:8080",
                "  enbd client nbd://server/disk --serve 127.0.0.1:10810",
                "  enbd client nbd://server/disk --device /dev/nbd0 --connections 4",
                "  enbd client --disconnect /dev/nbd0",
                "  enbd list               (the running instances and their state, then the plug-ins)",
                "  enbd stats nbd://server/disk   (an export served with --export disk=...,features=stats)",
                "  enbd stats disk         (the same, from a server running here)",
                "", "Exit status: 0 when stopped by SIGTERM/SIGINT, 1 on a failure, 2 on a usage error."})
public final class EnbdCommand implements Callable<Integer> {
    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
            description = "Log debug messages (framework, components, connections).")
    boolean verbose;

    @Option(names = "--shell", scope = ScopeType.INHERIT,
            description = "Run the Gogo shell of the framework on this terminal (stdin must be one). Ctrl-C "
                    + "cancels the line; logout, exit or Ctrl-D leave the shell and stop ENBD-J.")
    boolean shell;

    @Option(names = "--log", scope = ScopeType.INHERIT, paramLabel = "stderr|syslog|journal", defaultValue = "stderr",
            description = "Where the log goes, one line per event: stderr; syslog (a datagram per event to /dev/log, "
                    + "facility daemon, tag enbd); journal (systemd-journald's native protocol, with PRIORITY=). "
                    + "syslog:PATH and journal:PATH name another socket. The launcher's own last words (a failure, "
                    + "the ready lines) stay on stderr and stdout.")
    String log;

    @Option(names = "--start-timeout", scope = ScopeType.INHERIT, paramLabel = "S", defaultValue = "60",
            description = "Seconds to wait for the configured components to come up; 0 waits as long as it takes "
                    + "(nbd-client -persist's boot ordering: a client started before its server).")
    int startTimeoutSeconds;

    @Spec
    CommandSpec spec;

    /** The start timeout, checked: the subcommands build their plans with it. */
    java.time.Duration startTimeout() {
        if (startTimeoutSeconds < 0) {
            throw new ParameterException(spec.commandLine(), "--start-timeout must be 0 (no limit) or seconds");
        }
        // 0: a hundred years, as good as no limit, and still a Duration every wait can take
        return startTimeoutSeconds == 0 ? java.time.Duration.ofDays(36_500)
                : java.time.Duration.ofSeconds(startTimeoutSeconds);
    }

    /** The log's destination, checked. */
    LogTarget logTarget() {
        try {
            return LogTarget.parse(log == null ? "stderr" : log);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "missing command: server, client, list or stats");
    }

    /** The version from the jar's manifest, with the framework and JVM it runs on. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = EnbdCommand.class.getPackage().getImplementationVersion();
            return new String[] {"enbd " + (version == null ? "(development build)" : version),
                    "Apache Felix 7.0.5, Java " + Runtime.version()};
        }
    }
}
