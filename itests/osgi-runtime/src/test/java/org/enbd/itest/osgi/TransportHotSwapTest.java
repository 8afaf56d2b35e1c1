package org.enbd.itest.osgi;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Dictionary;
import org.enbd.api.control.Status;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;

/**
 * Hot swap of the transport bundle under I/O, inside Felix with the distribution's bundles. A copy runs from
 * nbdcopy through the client engine's local endpoint (a RemoteDevice over two connections) to a server listener
 * and a file export, all in this framework, while the TCP transport bundle (org.enbd.transport.tcp, which serves
 * both the listener and the client's connections) is stopped, started, updated to a new revision, uninstalled and
 * installed again. The copy must complete without an error and read back equal, and the listener must go down and
 * come back with the bundle each time. A fault delay on the export keeps the copy running through the swaps.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class TransportHotSwapTest extends FelixRig {
    @Test
    public void aCopyThroughTheClientSurvivesEveryLifecycleStepOfTheTransportBundle() throws Exception {
        assumeTrue("nbdcopy (libnbd-bin) is not installed", Files.isExecutable(Path.of("/usr/bin/nbdcopy")));
        Copy copy = prepare(13);
        int serverPort = freePort();
        String listener = create("org.enbd.server.listener", props("address", "nbd://127.0.0.1:" + serverPort));
        Dictionary<String, Object> export = props("name", "swap", "backend", "file:" + copy.disk());
        export.put("features", new String[] {"fault"});
        export.put("fault.delay-write", "40ms");
        create("org.enbd.server.export", export);
        await(listener, Status.State.UP);
        int localPort = freePort();
        Dictionary<String, Object> endpoint = props("uri", "nbd://127.0.0.1:" + serverPort + "/swap",
                "serve", "nbd://127.0.0.1:" + localPort);
        endpoint.put("connections", 2);
        String client = create("org.enbd.client.endpoint", endpoint);
        await(client, Status.State.UP);

        // 16 MiB in 64 KiB writes, two at a time, each held 40 ms by the fault feature: about 5 s of copying
        copy = start(copy, localPort);

        Bundle tcp = bundle("org.enbd.transport.tcp");
        String location = tcp.getLocation();
        tcp.stop();
        awaitNot(listener, Status.State.UP);
        tcp.start();
        await(listener, Status.State.UP);
        long revisionBefore = tcp.getLastModified();
        tcp.update();
        assertNotEquals("update made a new revision", revisionBefore, tcp.getLastModified());
        await(listener, Status.State.UP);
        tcp.uninstall();
        awaitNot(listener, Status.State.UP);
        Bundle again = context.installBundle(location);
        again.start();
        await(listener, Status.State.UP);
        assertTrue("the copy ended before the swaps were done (make it slower): " + Files.readString(
                copy.dir().resolve("copy.log")), copy.process().isAlive());

        assertLanded(copy, localPort);
        Status device = board.get(client + "/remote").orElseThrow();
        assertEquals("the device after the swaps: " + device, Status.State.UP, device.state());
    }
}
