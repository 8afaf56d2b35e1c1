package org.enbd.kernel;

import java.nio.file.Files;
import java.nio.file.Path;
import org.enbd.runtime.internal.NettyEventLoops;
import org.enbd.server.LayeredExport;

/**
 * A development probe for a real kernel (run in the QEMU guest): attaches a RAM disk to a device, writes
 * {@code DIR/ready}, detaches when {@code DIR/stop} appears. Usage: AttachProbe DEVICE DIR [netlink|ioctl].
 */
public final class AttachProbe {
    private AttachProbe() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[1]);
        long t0 = System.nanoTime();
        System.out.println("probe: main at JVM uptime " + java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime() + " ms");
        AttachMethod method = args.length > 2 ? AttachMethod.valueOf(args[2].toUpperCase()) : AttachMethod.AUTO;
        MemoryLayer layer = new MemoryLayer(64 << 20);
        NettyEventLoops loops0 = new NettyEventLoops(2);
        System.out.println("probe: loops after " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        new DeviceTable().render();
        org.enbd.kernel.netlink.NbdNetlink.open().close();
        System.out.println("probe: netlink after " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        try (NettyEventLoops loops = loops0;
             KernelDevice device = KernelDevice.attach(new DeviceOptions(args[0], 2, 60, 0, "memory:probe", method),
                     LayeredExport.of("", layer, false), loops)) {
            System.out.println("probe: attach after " + (System.nanoTime() - t0) / 1_000_000 + " ms");
            System.out.println("probe: attached " + device.device() + " via " + device.method() + " size "
                    + device.sizeBytes());
            System.out.print(new DeviceTable().render());
            Files.writeString(dir.resolve("ready"), device.method());
            while (!Files.exists(dir.resolve("stop")) && !device.released().isDone()) {
                Thread.sleep(100);
            }
        }
        System.out.println("probe: detached");
        System.out.print(new DeviceTable().render());
    }
}
