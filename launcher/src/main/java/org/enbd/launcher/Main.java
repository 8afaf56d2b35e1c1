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
        Thread.setDefaultUncaughtExceptionHandler(Main::lastResort);
        // Netty's direct buffers without the JDK's zeroing and cleaner (the jar's manifest opens java.nio to it):
        // otherwise every new chunk and every allocation past its pools is a zeroed allocateDirect, which JFR
        // found to be over half the client engine's CPU relaying 1 MiB reads. Set before any Netty class loads.
        if (System.getProperty("io.netty.tryReflectionSetAccessible") == null) {
            System.setProperty("io.netty.tryReflectionSetAccessible", "true");
        }
        System.exit(commandLine(new FelixActions()).execute(args));
    }

    /**
     * What a thread could not handle. An OutOfMemoryError anywhere, or anything that kills the main thread (which
     * waits on the components and stops the framework), leaves a process that may serve nothing and never exit
     * (Felix's threads are not daemons): it ends at once instead, status 3 like the JVM's own
     * -XX:+ExitOnOutOfMemoryError, so that a supervisor restarts it. {@code halt}, not {@code exit}: shutdown
     * hooks would need memory and threads that may be gone. Anything else is printed, as the JVM would.
     */
    static void lastResort(Thread thread, Throwable failure) {
        boolean fatal = failure instanceof VirtualMachineError || "main".equals(thread.getName());
        try {
            System.err.println("enbd: " + (fatal ? "exiting: " : "") + failure + " in thread " + thread.getName());
            failure.printStackTrace();
        } catch (Throwable ignored) {
            // no memory left even to say why: the status says it
        }
        if (fatal) {
            Runtime.getRuntime().halt(3);
        }
    }

    /** The command line with its subcommands, wired to {@code actions}; usage errors print one line and exit 2. */
    public static CommandLine commandLine(Actions actions) {
        CommandLine commandLine = new CommandLine(new EnbdCommand())
                .addSubcommand(new ServerCommand(actions))
                .addSubcommand(new ClientCommand(actions))
                .addSubcommand(new ListCommand(actions))
                .addSubcommand(new StatsCommand(actions))
                .addSubcommand(new IoctlCommand(actions))
                .addSubcommand(new CowCommand(actions))
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
