package org.enbd.console.enbd.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

class ExportFeaturesTest {
    private final Hashtable<String, Object> stored = new Hashtable<>();
    private final List<Dictionary<String, Object>> updates = new ArrayList<>();
    private final List<String> filters = new ArrayList<>();

    private ConfigurationAdmin admin(boolean found) {
        Configuration configuration = (Configuration) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {Configuration.class}, (p, m, a) -> switch (m.getName()) {
                    case "getProperties" -> new Hashtable<>(stored);
                    case "update" -> {
                        @SuppressWarnings("unchecked") Dictionary<String, Object> d = (Dictionary<String, Object>) a[0];
                        updates.add(d);
                        yield null;
                    }
                    default -> throw new UnsupportedOperationException(m.getName());
                });
        return (ConfigurationAdmin) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {ConfigurationAdmin.class}, (p, m, a) -> {
                    if (!m.getName().equals("listConfigurations")) {
                        throw new UnsupportedOperationException(m.getName());
                    }
                    filters.add((String) a[0]);
                    return found ? new Configuration[] {configuration} : null;
                });
    }

    @Test
    void setsTheFeaturesOfTheExportConfigurationAndKeepsItsOtherProperties() throws Exception {
        stored.put("name", "disk");
        stored.put("backend", "memory:64M");
        stored.put("features", new String[] {"stats"});
        new ExportFeatures(admin(true)).set("org.enbd.server.export~disk", ExportFeatures.parse("stats + fault"));
        assertEquals(1, updates.size());
        assertArrayEquals(new String[] {"stats", "fault"}, (String[]) updates.getFirst().get("features"));
        assertEquals("memory:64M", updates.getFirst().get("backend"));
        assertEquals("(&(service.pid=org.enbd.server.export~disk)(service.factoryPid=org.enbd.server.export))",
                filters.getFirst());
    }

    @Test
    void anIdThatIsNoExportConfigurationIsRefusedAndNothingIsWritten() {
        assertThrows(IllegalArgumentException.class, () -> new ExportFeatures(admin(false))
                .set("org.enbd.server.listener~tcp", List.of("stats")));
        assertEquals(List.of(), updates);
    }

    @Test
    void filterCharactersInAnIdAreEscaped() throws Exception {
        stored.put("name", "x");
        new ExportFeatures(admin(true)).set("a)(service.pid=*", List.of());
        assertEquals("(&(service.pid=a\\)\\(service.pid=\\*)(service.factoryPid=org.enbd.server.export))",
                filters.getFirst());
        assertArrayEquals(new String[0], (String[]) updates.getFirst().get("features"));
    }

    @Test
    void malformedOrRepeatedNamesAreRefused() {
        assertEquals(List.of(), ExportFeatures.parse(" "));
        assertThrows(IllegalArgumentException.class, () -> ExportFeatures.parse("stats+a=b"));
        assertThrows(IllegalArgumentException.class, () -> ExportFeatures.parse("stats+stats"));
    }
}
