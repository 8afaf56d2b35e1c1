package org.enbd.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.enbd.api.control.DeviceActions;
import org.junit.jupiter.api.Test;

/** A client component's actions, by name, on its device. */
class DeviceControlTest {
    private final FakeDevice device = new FakeDevice(4096);
    private final AtomicReference<RemoteDevice> current = new AtomicReference<>(device);
    private final DeviceControl control = new DeviceControl("ep", current::get, () -> "ep: gone");

    @Test
    void offersReconnectDropAndDisconnect() {
        assertEquals(List.of("reconnect", "drop", "disconnect"),
                control.actions().stream().map(DeviceActions.Action::name).toList());
    }

    @Test
    void reconnectDropsEveryConnection() {
        assertEquals("ep: dropped 2 connections; reconnecting", control.act("reconnect", null));
        assertEquals(1, device.reconnects);
    }

    @Test
    void dropTakesAnIndexDefaultingToTheFirst() {
        assertTrue(control.act("drop", "").contains("connection 0"));
        assertTrue(control.act("drop", " 1 ").contains("connection 1"));
        assertEquals(List.of(0, 1), device.dropped);
        assertThrows(IllegalArgumentException.class, () -> control.act("drop", "7"));
        assertThrows(IllegalArgumentException.class, () -> control.act("drop", "first"));
    }

    @Test
    void disconnectIsTheComponents() {
        assertEquals("ep: gone", control.act("disconnect", null));
    }

    @Test
    void unknownActionsAndNoDeviceYetAreRefused() {
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> control.act("explode", null));
        assertTrue(unknown.getMessage().contains("explode"));
        current.set(null);
        assertThrows(IllegalStateException.class, () -> control.act("reconnect", null));
    }

    @Test
    void disconnectDeletesTheComponentsConfigurationThroughConfigAdmin() {
        List<String> asked = new java.util.ArrayList<>();
        boolean[] deleted = {false};
        org.osgi.service.cm.Configuration configuration = (org.osgi.service.cm.Configuration)
                java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                        new Class<?>[] {org.osgi.service.cm.Configuration.class}, (p, m, a) -> {
                            if (m.getName().equals("delete")) {
                                deleted[0] = true;
                            }
                            return null;
                        });
        org.osgi.service.cm.ConfigurationAdmin admin = (org.osgi.service.cm.ConfigurationAdmin)
                java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                        new Class<?>[] {org.osgi.service.cm.ConfigurationAdmin.class}, (p, m, a) -> {
                            asked.add((String) a[0]);
                            return ((String) a[0]).contains("ep~1")
                                    ? new org.osgi.service.cm.Configuration[] {configuration} : null;
                        });
        DeviceControl real = new DeviceControl("ep~1", current::get,
                DeviceControl.deletingConfiguration(() -> admin, "ep~1"));
        assertTrue(real.act("disconnect", null).contains("configuration deleted"));
        assertTrue(deleted[0]);
        assertEquals(List.of("(service.pid=ep~1)"), asked);
        DeviceControl none = new DeviceControl("ep~2", current::get,
                DeviceControl.deletingConfiguration(() -> null, "ep~2"));
        assertThrows(IllegalStateException.class, () -> none.act("disconnect", null), "no ConfigAdmin");
        DeviceControl gone = new DeviceControl("ep~3", current::get,
                DeviceControl.deletingConfiguration(() -> admin, "ep~3"));
        assertThrows(IllegalStateException.class, () -> gone.act("disconnect", null), "no configuration");
    }
}
