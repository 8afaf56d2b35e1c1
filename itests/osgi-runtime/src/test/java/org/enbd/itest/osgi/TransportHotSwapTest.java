package org.enbd.itest.osgi;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
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
import org.osgi.service.cm.ConfigurationAdmin;

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
public class TransportHotSwapTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int SIZE = 16 << 20;

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
    public void aCopyThroughTheClientSurvivesEveryLifecycleStepOfTheTransportBundle() throws Exception {
        assumeTrue("nbdcopy (libnbd-bin) is not installed", Files.isExecutable(Path.of("/usr/bin/nbdcopy")));
        Path dir = Files.createTempDirectory("enbd-hotswap-");
        Path disk = dir.resolve("disk.img");
        try (var file = java.nio.channels.FileChannel.open(disk, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE)) {
            file.truncate(0).write(java.nio.ByteBuffer.allocate(1), SIZE - 1);
        }
        byte[] data = new byte[SIZE];
        new Random(13).nextBytes(data);
        Path source = Files.write(dir.resolve("source.img"), data);

        int serverPort = freePort();
        String listener = create("org.enbd.server.listener", props("address", "nbd://127.0.0.1:" + serverPort));
        Dictionary<String, Object> export = props("name", "swap", "backend", "file:" + disk);
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
        Process copy = new ProcessBuilder("nbdcopy", "--request-size=65536", "--requests=2", "--connections=1",
                source.toString(), "nbd://127.0.0.1:" + localPort).redirectErrorStream(true)
                .redirectOutput(dir.resolve("copy.log").toFile()).start();

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
                dir.resolve("copy.log")), copy.isAlive());

        assertTrue("nbdcopy did not finish", copy.waitFor(120, TimeUnit.SECONDS));
        assertEquals("nbdcopy: " + Files.readString(dir.resolve("copy.log")), 0, copy.exitValue());
        Path back = dir.resolve("back.img");
        Process read = new ProcessBuilder("nbdcopy", "nbd://127.0.0.1:" + localPort, back.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("read.log").toFile()).start();
        assertTrue("nbdcopy (read back) did not finish", read.waitFor(120, TimeUnit.SECONDS));
        assertEquals("nbdcopy: " + Files.readString(dir.resolve("read.log")), 0, read.exitValue());
        assertArrayEquals("what the client reads back", sha256(data), sha256(Files.readAllBytes(back)));
        assertArrayEquals("what the server's file holds", sha256(data), sha256(Files.readAllBytes(disk)));
        Status device = board.get(client + "/remote").orElseThrow();
        assertEquals("the device after the swaps: " + device, Status.State.UP, device.state());
    }

    private static Dictionary<String, Object> props(String... keyValues) {
        Dictionary<String, Object> p = new Hashtable<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            p.put(keyValues[i], keyValues[i + 1]);
        }
        return p;
    }

    private String create(String factoryPid, Dictionary<String, Object> properties) throws IOException {
        org.osgi.service.cm.Configuration c = configurations.createFactoryConfiguration(factoryPid, "?");
        c.update(properties);
        created.add(c);
        return c.getPid();
    }

    private void await(String pid, Status.State state) throws Exception {
        Status now = board.await(pid, s -> s.state() == state || s.state() == Status.State.FAILED, WAIT);
        assertEquals(pid + ": " + now.detail(), state, now.state());
    }

    private void awaitNot(String pid, Status.State state) throws Exception {
        Status now = board.await(pid, s -> s.state() != state, WAIT);
        assertNotEquals(pid + ": " + now.detail(), Status.State.FAILED, now.state());
    }

    private Bundle bundle(String symbolicName) {
        for (Bundle b : context.getBundles()) {
            if (symbolicName.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new AssertionError("bundle " + symbolicName + " is not installed");
    }

    private static byte[] sha256(byte[] bytes) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(bytes);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

}
