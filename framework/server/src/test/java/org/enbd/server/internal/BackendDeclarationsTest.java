package org.enbd.server.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackendDeclarationsTest {
    @TempDir
    Path dir;

    @Test
    void aBackendFactoryDescriptorDeclaresItsType() throws IOException {
        assertEquals(List.of("memory"), BackendDeclarations.declaredIn(descriptor("""
                <?xml version="1.0" encoding="UTF-8"?>
                <scr:component xmlns:scr="http://www.osgi.org/xmlns/scr/v1.3.0" name="m">
                  <property name="enbd.backend.type" type="String" value="memory"/>
                  <service><provide interface="org.enbd.api.layer.BackendFactory"/></service>
                  <implementation class="m"/>
                </scr:component>
                """)));
    }

    @Test
    void aComponentThatProvidesSomethingElseDeclaresNoBackend() throws IOException {
        assertEquals(List.of(), BackendDeclarations.declaredIn(descriptor("""
                <scr:component xmlns:scr="http://www.osgi.org/xmlns/scr/v1.3.0" name="x">
                  <property name="enbd.backend.type" type="String" value="memory"/>
                  <service><provide interface="org.enbd.api.layer.Feature"/></service>
                  <implementation class="x"/>
                </scr:component>
                """)));
    }

    @Test
    void severalComponentsUnderOneWrapperAndMultiLineValuesAreAllSeen() throws IOException {
        assertEquals(List.of("qcow2", "vmdk", "raw"), BackendDeclarations.declaredIn(descriptor("""
                <components xmlns:scr="http://www.osgi.org/xmlns/scr/v1.1.0">
                  <scr:component name="a">
                    <property name="enbd.backend.type" type="String">qcow2
                vmdk</property>
                    <service><provide interface="org.enbd.api.layer.BackendFactory"/></service>
                  </scr:component>
                  <scr:component name="b">
                    <property name="enbd.backend.type" value="raw"/>
                    <service><provide interface="org.enbd.api.layer.BackendFactory"/></service>
                  </scr:component>
                </components>
                """)));
    }

    @Test
    void anUnreadableDescriptorDeclaresNothing() throws IOException {
        assertEquals(List.of(), BackendDeclarations.declaredIn(descriptor("<scr:component oops")));
        assertEquals(List.of(), BackendDeclarations.declaredIn(dir.resolve("absent.xml").toUri().toURL()));
    }

    private URL descriptor(String xml) throws IOException {
        Path file = Files.createTempFile(dir, "component", ".xml");
        Files.writeString(file, xml.strip());
        return file.toUri().toURL();
    }
}
