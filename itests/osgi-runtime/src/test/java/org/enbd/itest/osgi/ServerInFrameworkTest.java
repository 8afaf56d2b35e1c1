package org.enbd.itest.osgi;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.enbd.api.control.Status;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;

/**
 * Inside Felix, with the distribution's bundles: configurations written to ConfigAdmin become an export and a
 * listener that a real client (nbdinfo) uses, and the TCP transport bundle can be stopped and started again
 * while the framework runs (the groundwork of hot swap): the listener goes down with it and comes back.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ServerInFrameworkTest extends FelixRig {
    @Test
    public void everyBundleOfTheDistributionStarts() {
        for (Bundle b : context.getBundles()) {
            boolean fragment = b.getHeaders().get(Constants.FRAGMENT_HOST) != null;
            int expected = fragment ? Bundle.RESOLVED : Bundle.ACTIVE;
            assertEquals(b.getSymbolicName() + " state", expected, b.getState());
        }
    }

    @Test
    public void configuredExportIsServedToNbdinfo() throws Exception {
        assumeTrue("nbdinfo (libnbd-bin) is not installed", Files.isExecutable(Path.of("/usr/bin/nbdinfo")));
        String listener = listen(freePort());
        export("itest", "memory:16M");
        int port = awaitListening(listener);

        String json = run("nbdinfo", "--json", "nbd://127.0.0.1:" + port + "/itest");
        assertTrue(json, json.contains("\"export-size\": 16777216"));
    }

    @Test
    public void transportBundleLeavesAndReturnsWhileTheFrameworkRuns() throws Exception {
        assumeTrue("nbdinfo (libnbd-bin) is not installed", Files.isExecutable(Path.of("/usr/bin/nbdinfo")));
        int port = freePort();
        String listener = listen(port);
        export("swap", "memory:1M");
        awaitListening(listener);
        Bundle tcp = bundle("org.enbd.transport.tcp");

        tcp.stop();
        Status down = board.await(listener, s -> s.state() != Status.State.UP, WAIT);
        assertTrue("listener after its transport left: " + down, down.state() != Status.State.UP);

        tcp.start();
        int again = awaitListening(listener);
        assertEquals(port, again);
        String json = run("nbdinfo", "--json", "nbd://127.0.0.1:" + again + "/swap");
        assertTrue(json, json.contains("\"export-size\": 1048576"));
    }

    private String listen(int port) throws IOException {
        Dictionary<String, Object> p = new Hashtable<>();
        p.put("address", "nbd://127.0.0.1:" + port);
        return create("org.enbd.server.listener", p);
    }

    /** Configures an export and waits until it is served (its status UP), as a client would need it. */
    private void export(String name, String backend) throws Exception {
        Dictionary<String, Object> p = new Hashtable<>();
        p.put("name", name);
        p.put("backend", backend);
        String pid = create("org.enbd.server.export", p);
        Status up = board.await(pid, s -> s.state() == Status.State.UP || s.state() == Status.State.FAILED, WAIT);
        assertEquals("export " + up.detail(), Status.State.UP, up.state());
    }

    private int awaitListening(String listenerPid) throws Exception {
        Status up = board.await(listenerPid, s -> s.state() == Status.State.UP || s.state() == Status.State.FAILED,
                WAIT);
        assertEquals("listener " + up.detail(), Status.State.UP, up.state());
        Matcher m = Pattern.compile(":(\\d+)").matcher(up.detail());
        assertTrue("no port in: " + up.detail(), m.find());
        return Integer.parseInt(m.group(1));
    }

}
