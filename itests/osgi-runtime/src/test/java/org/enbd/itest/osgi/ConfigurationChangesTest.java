package org.enbd.itest.osgi;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Dictionary;
import org.enbd.api.control.Status;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.service.cm.Configuration;

/**
 * Configuration changed under a running server through ConfigAdmin, as the Web Console's Configuration page and
 * an edited etc/ file change it: a new feature stack is applied under the open connections; a value that cannot
 * be applied (a missing file, a bad tls, a port in use) leaves the export or listener serving as before and says
 * FAILED with the reason; a listener moved to a new port serves there. nbdinfo is the client throughout.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ConfigurationChangesTest extends FelixRig {
    @Test
    public void badValuesAreRefusedWhileTheOldConfigurationServesAndGoodOnesApplyLive() throws Exception {
        assumeTrue("nbdinfo (libnbd-bin) is not installed", Files.isExecutable(Path.of("/usr/bin/nbdinfo")));
        int port = freePort();
        String listener = create("org.enbd.server.listener", props("address", "nbd://127.0.0.1:" + port));
        Dictionary<String, Object> exportProps = props("name", "disk", "backend", "memory:8M");
        String export = create("org.enbd.server.export", exportProps);
        await(listener, Status.State.UP);
        await(export, Status.State.UP);
        assertEquals("8388608", nbdinfo("--size", "nbd://127.0.0.1:" + port + "/disk"));

        // features only: restacked live
        exportProps.put("features", new String[] {"stats"});
        configuration(export).update(exportProps);
        Status withStats = board.await(export, s -> s.detail().contains("with stats"), WAIT);
        assertEquals(Status.State.UP, withStats.state());
        assertTrue(board.await("stats:disk", s -> true, WAIT) != null);

        // a backend that cannot be opened: refused, the old export still serves
        Dictionary<String, Object> missing = props("name", "disk", "backend", "file:/nonexistent/disk.img");
        configuration(export).update(missing);
        Status refused = board.await(export, s -> s.state() == Status.State.FAILED, WAIT);
        assertTrue(refused.detail(), refused.detail().contains("no such file")
                && refused.detail().contains("still serving memory:8M"));
        assertEquals("8388608", nbdinfo("--size", "nbd://127.0.0.1:" + port + "/disk"));

        // the listener: a bad tls value refused, still listening
        Configuration listenerConfig = configuration(listener);
        Dictionary<String, Object> bad = props("address", "nbd://127.0.0.1:" + port, "tls", "bogus");
        listenerConfig.update(bad);
        Status badTls = board.await(listener, s -> s.state() == Status.State.FAILED, WAIT);
        assertTrue(badTls.detail(), badTls.detail().contains("tls must be off, on (optional) or require")
                && badTls.detail().contains("still listening on 127.0.0.1:" + port));
        assertEquals("8388608", nbdinfo("--size", "nbd://127.0.0.1:" + port + "/disk"));

        // moved to a new port: bound there first, then the old one let go
        int moved = freePort();
        listenerConfig.update(props("address", "nbd://127.0.0.1:" + moved));
        Status up = board.await(listener, s -> s.state() == Status.State.UP, WAIT);
        assertTrue(up.detail(), up.detail().contains("moved from 127.0.0.1:" + port));
        assertEquals("8388608", nbdinfo("--size", "nbd://127.0.0.1:" + moved + "/disk"));
    }

    private Configuration configuration(String pid) throws IOException {
        return configurations.getConfiguration(pid, "?");
    }

    private static String nbdinfo(String... args) throws Exception {
        String[] command = new String[args.length + 1];
        command[0] = "nbdinfo";
        System.arraycopy(args, 0, command, 1, args.length);
        return run(command).trim();
    }
}
