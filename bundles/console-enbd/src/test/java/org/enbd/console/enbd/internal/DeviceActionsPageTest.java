package org.enbd.console.enbd.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.annotation.Annotation;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.enbd.api.control.DeviceActions;
import org.enbd.api.control.Status;
import org.junit.jupiter.api.Test;

/** The page's device buttons: what the model offers per device, and the action a POST runs. */
class DeviceActionsPageTest {
    private final List<String> done = new ArrayList<>();
    private final DeviceActions device = new DeviceActions() {
        @Override
        public List<Action> actions() {
            return List.of(new Action("reconnect", "", ""), new Action("drop", "INDEX", ""),
                    new Action("disconnect", "", ""));
        }

        @Override
        public String act(String action, String argument) {
            if (!List.of("reconnect", "drop", "disconnect").contains(action)) {
                throw new IllegalArgumentException("unknown action '" + action + "'");
            }
            done.add(action);
            return "ep: " + action;
        }
    };
    private final Map<String, Object> props = Map.of(DeviceActions.STATUS_ID, new String[] {"ep", "ep/remote"});

    @Test
    void aDeviceRowCarriesTheActionsItsComponentOffers() {
        BoardView view = new BoardView(new Redaction(List.of()));
        Map<String, Object> model = view.model(List.of(Status.of("ep", "endpoint", Status.State.UP, "serving"),
                Status.of("other", "client", Status.State.UP, "")), pid -> Optional.empty(),
                id -> id.equals("ep") ? List.of("reconnect", "drop") : List.of());
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> devices = (List<Map<String, Object>>) model.get("devices");
        assertEquals(List.of("reconnect", "drop"), devices.get(0).get("actions"));
        assertEquals(List.of(), devices.get(1).get("actions"));
    }

    @Test
    void actRunsTheActionOfTheServiceRegisteredForTheStatusId() {
        EnbdConsolePlugin plugin = new EnbdConsolePlugin(null, null, config());
        plugin.addActions(device, props);
        assertEquals("ep: reconnect", plugin.act("ep", "reconnect", null));
        assertEquals("ep: drop", plugin.act("ep/remote", "drop", "0"));
        assertEquals(List.of("reconnect", "drop"), done);
        assertThrows(IllegalArgumentException.class, () -> plugin.act("ep", "explode", null));
        assertThrows(IllegalArgumentException.class, () -> plugin.act("nobody", "reconnect", null));
        plugin.removeActions(device, props);
        IllegalArgumentException gone = assertThrows(IllegalArgumentException.class,
                () -> plugin.act("ep", "reconnect", null));
        assertTrue(gone.getMessage().contains("offers no actions"));
    }

    private static EnbdConsolePlugin.Config config() {
        return new EnbdConsolePlugin.Config() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return EnbdConsolePlugin.Config.class;
            }

            @Override
            public String[] secretWords() {
                return new String[] {"password"};
            }

            @Override
            public int chartSeconds() {
                return 60;
            }
        };
    }
}
