package org.enbd.launcher.host;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The kernel NBD devices as {@code enbd list} and {@code enbd client --disconnect} see them: state from sysfs,
 * and the two ioctls that end a connection whoever made it (the kernel accepts NBD_DISCONNECT and
 * NBD_CLEAR_SOCK on netlink-configured devices too). The full device handling lives in the kernel bundle.
 */
final class KernelDevices {
    private static final long NBD_CLEAR_SOCK = 0xab04L; // _IO(0xab, 4), linux/nbd.h
    private static final long NBD_DISCONNECT = 0xab08L; // _IO(0xab, 8)
    private static final int O_RDWR = 2;
    private static final Path SYS_BLOCK = Path.of("/sys/block");

    private KernelDevices() {
    }

    /** Prints each connected device (a {@code pid} file in sysfs) with its size. */
    static void print(PrintStream out) throws IOException {
        out.println("kernel devices:");
        List<Path> devices = List.of();
        if (Files.isDirectory(SYS_BLOCK)) {
            try (Stream<Path> all = Files.list(SYS_BLOCK)) {
                devices = all.filter(p -> p.getFileName().toString().matches("nbd[0-9]+")).sorted(
                        (a, b) -> Integer.compare(number(a), number(b))).toList();
            }
        }
        if (devices.isEmpty()) {
            out.println("  (none: the nbd kernel module is not loaded)");
            return;
        }
        int connected = 0;
        for (Path device : devices) {
            Path pid = device.resolve("pid");
            if (Files.exists(pid)) {
                long sectors = Long.parseLong(Files.readString(device.resolve("size")).trim());
                out.printf("  /dev/%-10s connected, pid %s, %d bytes%n", device.getFileName(),
                        Files.readString(pid).trim(), sectors * 512);
                connected++;
            }
        }
        if (connected == 0) {
            out.println("  (none connected, " + devices.size() + " available)");
        }
    }

    private static int number(Path device) {
        return Integer.parseInt(device.getFileName().toString().substring(3));
    }

    /** NBD_DISCONNECT then NBD_CLEAR_SOCK on {@code device}, then waits for the kernel to let go of it. */
    static int disconnect(Path device, PrintStream out, PrintStream err) throws Throwable {
        Path sys = SYS_BLOCK.resolve(device.getFileName());
        if (!Files.exists(device) || !Files.isDirectory(sys)) {
            err.println("enbd: " + device + ": no such NBD device (is the nbd module loaded? modprobe nbd)");
            return 1;
        }
        if (!Files.exists(sys.resolve("pid"))) {
            out.println("enbd: " + device + " is not connected");
            return 0;
        }
        Linker linker = Linker.nativeLinker();
        StructLayout state = Linker.Option.captureStateLayout();
        VarHandle errno = state.varHandle(MemoryLayout.PathElement.groupElement("errno"));
        Linker.Option capture = Linker.Option.captureCallState("errno");
        MethodHandle open = linker.downcallHandle(linker.defaultLookup().findOrThrow("open"),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), capture, Linker.Option.firstVariadicArg(2));
        MethodHandle ioctl = linker.downcallHandle(linker.defaultLookup().findOrThrow("ioctl"),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), capture,
                Linker.Option.firstVariadicArg(2));
        MethodHandle close = linker.downcallHandle(linker.defaultLookup().findOrThrow("close"),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        MethodHandle strerror = linker.downcallHandle(linker.defaultLookup().findOrThrow("strerror"),
                FunctionDescriptor.of(ADDRESS, JAVA_INT));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment callState = arena.allocate(state);
            int fd = (int) open.invokeExact(callState, arena.allocateFrom(device.toString()), O_RDWR, 0);
            if (fd < 0) {
                int code = (int) errno.get(callState, 0L);
                err.println("enbd: " + device + ": " + message(strerror, code) + (code == 13 || code == 1
                        ? " (disconnecting a device needs root)" : ""));
                return 1;
            }
            try {
                for (long request : new long[] {NBD_DISCONNECT, NBD_CLEAR_SOCK}) {
                    if ((int) ioctl.invokeExact(callState, fd, request, 0L) < 0) {
                        int code = (int) errno.get(callState, 0L);
                        err.println("enbd: " + device + ": " + (request == NBD_DISCONNECT ? "NBD_DISCONNECT"
                                : "NBD_CLEAR_SOCK") + ": " + message(strerror, code));
                        return 1;
                    }
                }
            } finally {
                int ignored = (int) close.invokeExact(fd);
            }
        }
        for (int i = 0; i < 100 && Files.exists(sys.resolve("pid")); i++) {
            Thread.sleep(100);
        }
        out.println("enbd: disconnected " + device);
        return 0;
    }

    private static String message(MethodHandle strerror, int code) throws Throwable {
        MemorySegment text = (MemorySegment) strerror.invokeExact(code);
        return text.reinterpret(256).getString(0);
    }
}
