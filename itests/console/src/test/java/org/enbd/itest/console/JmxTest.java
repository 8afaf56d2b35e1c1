package org.enbd.itest.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.tools.attach.VirtualMachine;
import java.nio.file.Path;
import java.util.Set;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JDK's own JMX client, attached to a running distribution the way JConsole attaches to a local JVM (the
 * Attach API starts the local management agent, then an RMI connector): the ENBD-J components are MBeans, and the
 * stats feature's counters there follow a copy that nbdcopy writes.
 */
class JmxTest {
    @TempDir
    Path work;

    @Test
    void jmxShowsTheComponentsAndTheBytesACopyWrote() throws Exception {
        Distribution.requireTool("nbdcopy");
        try (Distribution enbd = new Distribution(work)) {
            VirtualMachine vm = VirtualMachine.attach(Long.toString(enbd.server.pid()));
            String address;
            try {
                address = vm.startLocalManagementAgent();
            } finally {
                vm.detach();
            }
            try (JMXConnector connector = JMXConnectorFactory.connect(new JMXServiceURL(address))) {
                MBeanServerConnection jmx = connector.getMBeanServerConnection();
                ObjectName stats = new ObjectName("org.enbd:type=stats,name=\"stats:disk\"");
                Distribution.await("the stats MBean of export disk", 30, () -> jmx.isRegistered(stats), r -> r);

                Set<ObjectName> exports = jmx.queryNames(new ObjectName("org.enbd:type=export,*"), null);
                assertEquals(1, exports.size(), exports.toString());
                assertEquals("UP", jmx.getAttribute(exports.iterator().next(), "State"));
                Set<ObjectName> listeners = jmx.queryNames(new ObjectName("org.enbd:type=listener,*"), null);
                assertEquals(1, listeners.size(), jmx.queryNames(new ObjectName("org.enbd:*"), null).toString());
                String detail = (String) jmx.getAttribute(listeners.iterator().next(), "Detail");
                assertTrue(detail.contains(Integer.toString(enbd.nbdPort)), detail);

                int mib = 8;
                long written = enbd.copyIn(mib);
                long reported = Distribution.await("write.bytes of " + written, 30,
                        () -> ((Number) jmx.getAttribute(stats, "write.bytes")).longValue(), b -> b == written);
                assertEquals(written, reported);
                assertTrue(((Number) jmx.getAttribute(stats, "write.requests")).longValue() >= 1);
                assertEquals(0L, ((Number) jmx.getAttribute(stats, "write.errors.wire")).longValue());
            }
        }
    }
}
