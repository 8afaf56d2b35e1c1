package org.enbd.itest.hostile;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@link ServerMain} as its own JVM, started with the JVM options ./enbd gives the server (read from the script,
 * so they cannot drift apart: a 192 MiB heap, direct memory up to the machine's RAM, exit on OutOfMemoryError),
 * so that what a hostile client does to it shows in its own process: alive or not, its RSS, its direct memory.
 */
final class ServerProcess implements AutoCloseable {
    private final Process process;
    private final BufferedReader out;
    private final PrintStream in;
    final int port;

    ServerProcess(Path file, int maxOptions, long connectionBudget, long serverBudget) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of("--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"));
        command.addAll(enbdJvmOptions());
        command.add("-XX:MaxDirectMemorySize=" + ramBytes());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), ServerMain.class.getName(),
                file.toString(), String.valueOf(maxOptions), String.valueOf(connectionBudget),
                String.valueOf(serverBudget)));
        process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        out = new BufferedReader(new InputStreamReader(process.getInputStream()));
        in = new PrintStream(process.getOutputStream(), true);
        String line = out.readLine();
        if (line == null || !line.startsWith("port ")) {
            process.destroyForcibly();
            throw new IOException("the server did not start: " + line);
        }
        port = Integer.parseInt(line.substring(5));
    }

    /** The default options line of ./enbd: {@code jvm_defaults=(...)}. */
    static List<String> enbdJvmOptions() throws IOException {
        String script = Files.readString(Path.of(System.getProperty("enbd.script", "../../enbd")));
        Matcher m = Pattern.compile("(?m)^jvm_defaults=\\(([^)]*)\\)").matcher(script);
        if (!m.find()) {
            throw new IOException("no jvm_defaults=(...) line in ./enbd");
        }
        return List.of(m.group(1).trim().split("\\s+"));
    }

    private static long ramBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
            if (line.startsWith("MemTotal:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        throw new IOException("no MemTotal in /proc/meminfo");
    }

    /** The server's threads, for a test that failed to be served. */
    String threadDump() {
        try {
            Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                    String.valueOf(process.pid()), "Thread.print").redirectErrorStream(true).start();
            String dump = new String(jcmd.getInputStream().readAllBytes());
            jcmd.waitFor(30, TimeUnit.SECONDS);
            return dump;
        } catch (IOException | InterruptedException e) {
            return "no thread dump: " + e;
        }
    }

    boolean alive() {
        return process.isAlive();
    }

    /** Resident set size now, from /proc/PID/status. */
    long rss() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        throw new IOException("no VmRSS for " + process.pid());
    }

    /** Direct memory the server holds now, as it reports it. */
    long direct() throws IOException {
        in.println("direct");
        String line = out.readLine();
        if (line == null || !line.startsWith("direct ")) {
            throw new IOException("the server did not answer: " + line);
        }
        return Long.parseLong(line.split(" ")[1]);
    }

    /** Bytes the server's connections hold in its memory budget now. */
    long held() throws IOException {
        in.println("direct");
        String line = out.readLine();
        if (line == null || !line.contains(" held ")) {
            throw new IOException("the server did not answer: " + line);
        }
        return Long.parseLong(line.split(" ")[3]);
    }

    @Override
    public void close() throws InterruptedException {
        in.close();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
