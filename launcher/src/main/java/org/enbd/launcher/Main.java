package org.enbd.launcher;

import java.io.PrintWriter;
import org.enbd.launcher.host.FelixActions;
import picocli.CommandLine;

/** The {@code enbd} entry point: parse the command line, run it, exit with its code. */
public final class Main {
    /** Exit status of a usage error (picocli's and the GNU convention). */
    public static final int USAGE = 2;

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(commandLine(new FelixActions()).execute(args));
    }

    /** The command line with its subcommands, wired to {@code actions}; usage errors print one line and exit 2. */
    public static CommandLine commandLine(Actions actions) {
        CommandLine commandLine = new CommandLine(new EnbdCommand())
                .addSubcommand(new ServerCommand(actions))
                .addSubcommand(new ClientCommand(actions))
                .addSubcommand(new ListCommand(actions))
                .addSubcommand(new StatsCommand(actions))
                .addSubcommand(new IoctlCommand(actions))
                .addSubcommand(new CertsCommand());
        commandLine.setParameterExceptionHandler((problem, args) -> {
            PrintWriter err = problem.getCommandLine().getErr();
            err.println("enbd: " + problem.getMessage());
            err.println("Try '" + problem.getCommandLine().getCommandSpec().qualifiedName() + " --help' for more "
                    + "information.");
            err.flush();
            return USAGE;
        });
        commandLine.setExecutionExceptionHandler((failure, failed, parsed) -> {
            PrintWriter err = failed.getErr();
            err.println("enbd: " + failure);
            err.flush();
            return 1;
        });
        return commandLine;
    }
}
