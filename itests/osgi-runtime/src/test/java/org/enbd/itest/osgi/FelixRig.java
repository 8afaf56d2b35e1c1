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
 * What the tests in Felix share: the distribution's bundles (Pax Exam; as the launcher does, bundles name what
 * they load from the JDK instead of Felix's implicit boot delegation), ConfigAdmin configurations they create and
 * delete, waits on the status board, real clients run as processes, and a copy with nbdcopy through a client
 * endpoint whose result is checked byte for byte, on the client's side and in the server's file.
 */
public abstract class FelixRig {
    protected static final Duration WAIT = Duration.ofSeconds(60);
    protected static final int SIZE = 16 << 20;

    @Inject
    protected BundleContext context;
    @Inject
    protected ConfigurationAdmin configurations;
    @Inject
    protected StatusBoard board;

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
        options.add(systemProperty("org.slf4j.simpleLogger.showDateTime").value("true"));
        options.add(systemProperty("org.slf4j.simpleLogger.dateTimeFormat").value("HH:mm:ss.SSS"));
        return options.toArray(Option[]::new);
    }

    @After
    public void deleteConfigurations() throws IOException {
        for (org.osgi.service.cm.Configuration c : created) {
            c.delete();
        }
    }

    /** A file of SIZE bytes (sparse) for the export, and a source of random data to copy into it. */
    protected record Copy(Path dir, Path disk, Path source, byte[] data, Process process) {
    }

    protected Copy prepare(long seed) throws IOException {
        Path dir = Files.createTempDirectory("enbd-hotswap-");
        Path disk = dir.resolve("disk.img");
        try (var file = java.nio.channels.FileChannel.open(disk, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE)) {
            file.truncate(0).write(java.nio.ByteBuffer.allocate(1), SIZE - 1);
        }
        byte[] data = new byte[SIZE];
        new Random(seed).nextBytes(data);
        return new Copy(dir, disk, Files.write(dir.resolve("source.img"), data), data, null);
    }

    /** 16 MiB in 64 KiB writes, two at a time, to the client endpoint on {@code localPort}. */
    protected Copy start(Copy copy, int localPort) throws IOException {
        Process p = new ProcessBuilder("nbdcopy", "--request-size=65536", "--requests=2", "--connections=1",
                copy.source().toString(), "nbd://127.0.0.1:" + localPort).redirectErrorStream(true)
                .redirectOutput(copy.dir().resolve("copy.log").toFile()).start();
        return new Copy(copy.dir(), copy.disk(), copy.source(), copy.data(), p);
    }

    /** The copy completes without an error, and reads back equal through the client and in the server's file. */
    protected void assertLanded(Copy copy, int localPort) throws Exception {
        Process p = copy.process();
        assertTrue("nbdcopy did not finish", p.waitFor(120, TimeUnit.SECONDS));
        assertEquals("nbdcopy: " + Files.readString(copy.dir().resolve("copy.log")), 0, p.exitValue());
        Path back = copy.dir().resolve("back.img");
        Process read = new ProcessBuilder("nbdcopy", "nbd://127.0.0.1:" + localPort, back.toString())
                .redirectErrorStream(true).redirectOutput(copy.dir().resolve("read.log").toFile()).start();
        assertTrue("nbdcopy (read back) did not finish", read.waitFor(120, TimeUnit.SECONDS));
        assertEquals("nbdcopy: " + Files.readString(copy.dir().resolve("read.log")), 0, read.exitValue());
        assertArrayEquals("what the client reads back", sha256(copy.data()), sha256(Files.readAllBytes(back)));
        assertArrayEquals("what the server's file holds", sha256(copy.data()),
                sha256(Files.readAllBytes(copy.disk())));
    }

    protected static Dictionary<String, Object> props(String... keyValues) {
        Dictionary<String, Object> p = new Hashtable<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            p.put(keyValues[i], keyValues[i + 1]);
        }
        return p;
    }

    protected String create(String factoryPid, Dictionary<String, Object> properties) throws IOException {
        org.osgi.service.cm.Configuration c = configurations.createFactoryConfiguration(factoryPid, "?");
        c.update(properties);
        created.add(c);
        return c.getPid();
    }

    protected void await(String pid, Status.State state) throws Exception {
        Status now = board.await(pid, s -> s.state() == state || s.state() == Status.State.FAILED, WAIT);
        assertEquals(pid + ": " + now.detail(), state, now.state());
    }

    protected void awaitNot(String pid, Status.State state) throws Exception {
        Status now = board.await(pid, s -> s.state() != state, WAIT);
        assertNotEquals(pid + ": " + now.detail(), Status.State.FAILED, now.state());
    }

    protected Bundle bundle(String symbolicName) {
        for (Bundle b : context.getBundles()) {
            if (symbolicName.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new AssertionError("bundle " + symbolicName + " is not installed");
    }

    protected static byte[] sha256(byte[] bytes) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(bytes);
    }

    /** Runs a real client to its end (30 s at most) and returns what it printed; it must exit 0. */
    protected static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertTrue(String.join(" ", command) + " timed out", p.waitFor(30, TimeUnit.SECONDS));
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(String.join(" ", command) + ": " + out, 0, p.exitValue());
        return out;
    }

    protected static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
