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
 * Hot swap of a feature bundle under I/O (TransportHotSwapTest does the transport), inside Felix with the
 * distribution's bundles. The export stacks {@code stats+fault} and the client endpoint {@code stats}; while
 * nbdcopy copies through the endpoint (the client engine, two connections) to the export, org.enbd.feature.stats
 * is stopped, started, updated, uninstalled and installed again. Both sides keep their connections (nbdcopy's to
 * the endpoint, the engine's to the server): each time the leaving feature's requests drain, the connections wait,
 * and the new stack takes them over (RestackableExport). The copy must complete without an error and read back
 * equal.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class FeatureHotSwapTest extends FelixRig {
    @Test
    public void aCopyThroughTheClientSurvivesEveryLifecycleStepOfAFeatureBundle() throws Exception {
        assumeTrue("nbdcopy (libnbd-bin) is not installed", Files.isExecutable(Path.of("/usr/bin/nbdcopy")));
        Copy copy = prepare(17);
        int serverPort = freePort();
        String listener = create("org.enbd.server.listener", props("address", "nbd://127.0.0.1:" + serverPort));
        Dictionary<String, Object> export = props("name", "swap", "backend", "file:" + copy.disk());
        export.put("features", new String[] {"stats", "fault"});
        export.put("fault.delay-write", "40ms");
        String exportPid = create("org.enbd.server.export", export);
        await(listener, Status.State.UP);
        await(exportPid, Status.State.UP);
        int localPort = freePort();
        Dictionary<String, Object> endpoint = props("uri", "nbd://127.0.0.1:" + serverPort + "/swap",
                "serve", "nbd://127.0.0.1:" + localPort);
        endpoint.put("connections", 2);
        endpoint.put("features", new String[] {"stats"}); // the client's stack loses the feature too
        String client = create("org.enbd.client.endpoint", endpoint);
        await(client, Status.State.UP);
        copy = start(copy, localPort);

        Bundle stats = bundle("org.enbd.feature.stats");
        String location = stats.getLocation();
        Thread.sleep(300); // each step with requests of the copy inside the feature
        stats.stop();
        awaitNot(exportPid, Status.State.UP); // waiting for the feature, its connections held
        Thread.sleep(300);
        stats.start();
        await(exportPid, Status.State.UP);
        Thread.sleep(300);
        long revisionBefore = stats.getLastModified();
        stats.update();
        assertNotEquals("update made a new revision", revisionBefore, stats.getLastModified());
        await(exportPid, Status.State.UP);
        Thread.sleep(300);
        stats.uninstall();
        awaitNot(exportPid, Status.State.UP);
        Thread.sleep(300);
        Bundle again = context.installBundle(location);
        again.start();
        await(exportPid, Status.State.UP);
        assertTrue("the copy ended before the swaps were done (make it slower): " + Files.readString(
                copy.dir().resolve("copy.log")), copy.process().isAlive());

        assertLanded(copy, localPort);
        Status device = board.get(client + "/remote").orElseThrow();
        for (String figure : new String[] {"connectionsLost", "retiredConnections", "retracted"}) {
            assertEquals("the server kept the client's connections and answered every request: " + device, 0L,
                    ((Number) device.attributes().getOrDefault(figure, -1L)).longValue());
        }
    }
}
