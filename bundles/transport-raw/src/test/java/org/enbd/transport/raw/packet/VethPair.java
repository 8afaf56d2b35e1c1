package org.enbd.transport.raw.packet;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Assumptions;

/**
 * Two network namespaces of the test's own, joined by a veth pair: {@code target} in one, {@code initiator} in
 * the other. Sockets are opened inside a namespace by a short-lived thread that entered it (setns affects only
 * the calling thread); a socket stays in the namespace it was made in. Needs root (CI runs as root); skips
 * clearly otherwise. {@link #close} deletes both namespaces and with them the pair.
 */
public final class VethPair implements AutoCloseable {
    private static final int CLONE_NEWNET = 0x40000000;
    private static final int O_RDONLY = 0;
    private static final MethodHandle OPEN = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("open").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle SETNS = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("setns").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle CLOSE = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("close").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));

    public final String targetNamespace;
    public final String initiatorNamespace;
    public final String targetInterface;
    public final String initiatorInterface;

    private VethPair(String tag) {
        this.targetNamespace = "enbdtest-aoe-t-" + tag;
        this.initiatorNamespace = "enbdtest-aoe-i-" + tag;
        this.targetInterface = "enbdat" + tag;
        this.initiatorInterface = "enbdai" + tag;
    }

    /** Creates the namespaces and the pair with {@code mtu}, both ends up; skips the test when not root. */
    public static VethPair create(int mtu) throws IOException, InterruptedException {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "needs root for network namespaces, veth pairs and CAP_NET_RAW (CI runs as root)");
        Assumptions.assumeTrue(new java.io.File("/usr/sbin/ip").canExecute() || new java.io.File("/sbin/ip").canExecute()
                || new java.io.File("/usr/bin/ip").canExecute(), "needs iproute2's ip");
        String tag = Long.toString(ProcessHandle.current().pid() % 100000) + (char) ('a' + (int) (System.nanoTime() % 26));
        VethPair pair = new VethPair(tag);
        try {
            pair.ip("netns", "add", pair.targetNamespace);
            pair.ip("netns", "add", pair.initiatorNamespace);
            pair.ip("link", "add", pair.targetInterface, "mtu", Integer.toString(mtu), "netns", pair.targetNamespace,
                    "type", "veth", "peer", "name", pair.initiatorInterface, "mtu", Integer.toString(mtu),
                    "netns", pair.initiatorNamespace);
            pair.ip("-n", pair.targetNamespace, "link", "set", pair.targetInterface, "up");
            pair.ip("-n", pair.initiatorNamespace, "link", "set", pair.initiatorInterface, "up");
        } catch (IOException | RuntimeException e) {
            pair.close();
            throw e;
        }
        return pair;
    }

    /** Runs {@code ip ARGS}; fails with its output when it fails. */
    public void ip(String... arguments) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of("ip"));
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + output.trim());
        }
    }

    /** Runs {@code work} on a new thread inside {@code namespace} and returns its result. */
    public static <T> T inNamespace(String namespace, Callable<T> work) throws Exception {
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<Exception> failure = new AtomicReference<>();
        Thread thread = Thread.ofPlatform().name("netns-" + namespace).start(() -> {
            try (Arena arena = Arena.ofConfined()) {
                int fd = (int) OPEN.invokeExact(arena.allocateFrom("/var/run/netns/" + namespace), O_RDONLY);
                if (fd < 0) {
                    throw new IOException("cannot open /var/run/netns/" + namespace);
                }
                int entered = (int) SETNS.invokeExact(fd, CLONE_NEWNET);
                int closed = (int) CLOSE.invokeExact(fd);
                if (entered != 0 || closed != 0) {
                    throw new IOException("setns into " + namespace + " failed");
                }
                result.set(work.call());
            } catch (Exception e) {
                failure.set(e);
            } catch (Throwable t) {
                failure.set(new IllegalStateException(t));
            }
        });
        thread.join();
        if (failure.get() != null) {
            throw failure.get();
        }
        return result.get();
    }

    @Override
    public void close() throws IOException, InterruptedException {
        for (String namespace : List.of(targetNamespace, initiatorNamespace)) {
            try {
                ip("netns", "delete", namespace);
            } catch (IOException e) {
                // it was not created
            }
        }
    }
}
