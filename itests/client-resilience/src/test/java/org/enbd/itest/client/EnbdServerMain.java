package org.enbd.itest.client;

import java.util.List;
import java.util.Map;
import org.enbd.api.layer.ExportContext;
import org.enbd.api.layer.ExportEvents;
import org.enbd.api.layer.Layer;
import org.enbd.api.stream.StreamAddress;
import org.enbd.backend.file.internal.FileBackendFactory;
import org.enbd.server.ExportDirectory;
import org.enbd.server.LayeredExport;
import org.enbd.server.NbdServer;
import org.enbd.server.ServerLimits;

/**
 * ENBD-J's server as a process of its own (plain Java, no OSGi), so a test can kill -9 it:
 * {@code EnbdServerMain PORT FILE [volatile]} serves FILE as export "disk" on 127.0.0.1:PORT until killed;
 * with {@code volatile}, writes wait in a {@link VolatileCache} until a flush (and die with the process).
 */
public final class EnbdServerMain {
    private EnbdServerMain() {
    }

    public static void main(String[] args) throws Exception {
        Engine engine = new Engine();
        Layer file = new FileBackendFactory().open(args[1], new ExportContext("disk", false, Map.of()),
                ExportEvents.NONE);
        if (args.length > 2 && args[2].equals("volatile")) {
            file = new VolatileCache(file);
        }
        NbdServer server = new NbdServer(ExportDirectory.of(List.of(LayeredExport.of("disk", file, false))),
                ServerLimits.DEFAULT);
        server.listen(engine.tcp, StreamAddress.tcp("127.0.0.1", Integer.parseInt(args[0]), ""));
        System.out.println("listening");
        Thread.currentThread().join();
    }
}
