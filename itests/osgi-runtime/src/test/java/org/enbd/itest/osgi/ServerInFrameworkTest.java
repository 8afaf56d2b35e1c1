package org.enbd.itest.osgi;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;
import static org.ops4j.pax.exam.CoreOptions.bootDelegationPackages;
import static org.ops4j.pax.exam.CoreOptions.cleanCaches;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.frameworkStartLevel;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.inject.Inject;
import org.enbd.api.control.Status;
import org.enbd.api.control.StatusBoard;
import org.junit.After;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * Inside Felix, with the distribution's bundles: configurations written to ConfigAdmin become an export and a
 * listener that a real client (nbdinfo) uses, and the TCP transport bundle can be stopped and started again
 * while the framework runs (the groundwork of hot swap): the listener goes down with it and comes back.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ServerInFrameworkTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Inject
    private BundleContext context;
    @Inject
    private ConfigurationAdmin configurations;
    @Inject
    private StatusBoard board;

    private final List<org.osgi.service.cm.Configuration> created = new ArrayList<>();

    @Configuration
    public Option[] config() {
        List<Option> options = new ArrayList<>(DistributionBundles.options());
        options.add(junitBundles());
        options.add(cleanCaches());
        options.add(frameworkStartLevel(10));
        // as the launcher does: name what bundles may load from the JDK instead of Felix's implicit delegation
        options.add(frameworkProperty("felix.bootdelegation.implicit").value("false"));
        options.add(bootDelegationPackages("jdk.*", "sun.*", "com.sun.*"));
        options.add(systemProperty("org.slf4j.simpleLogger.defaultLogLevel").value("info"));
        return options.toArray(Option[]::new);
    }

    @After
    public void deleteConfigurations() throws IOException {
        for (org.osgi.service.cm.Configuration c : created) {
            c.delete();
        }
    }

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

    private String create(String factoryPid, Dictionary<String, Object> properties) throws IOException {
        org.osgi.service.cm.Configuration c = configurations.createFactoryConfiguration(factoryPid, "?");
        c.update(properties);
        created.add(c);
        return c.getPid();
    }

    private int awaitListening(String listenerPid) throws Exception {
        Status up = board.await(listenerPid, s -> s.state() == Status.State.UP || s.state() == Status.State.FAILED,
                WAIT);
        assertEquals("listener " + up.detail(), Status.State.UP, up.state());
        Matcher m = Pattern.compile(":(\\d+)").matcher(up.detail());
        assertTrue("no port in: " + up.detail(), m.find());
        return Integer.parseInt(m.group(1));
    }

    private Bundle bundle(String symbolicName) {
        for (Bundle b : context.getBundles()) {
            if (symbolicName.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new AssertionError("bundle " + symbolicName + " is not installed");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertTrue(String.join(" ", command) + " timed out", p.waitFor(30, TimeUnit.SECONDS));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(String.join(" ", command) + ": " + out, 0, p.exitValue());
        assertNotNull(out);
        return out;
    }
}
