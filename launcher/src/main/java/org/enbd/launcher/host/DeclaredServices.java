package org.enbd.launcher.host;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.Enumeration;
import java.util.Set;
import java.util.TreeSet;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;

/**
 * What the installed bundles' Declarative Services descriptors promise, read from their jars whether or not the
 * bundles have started: a value no bundle declares can never show up, so waiting for it is pointless.
 */
final class DeclaredServices {
    private DeclaredServices() {
    }

    /** The values of {@code property} on the components that provide {@code service}, over all bundles. */
    static Set<String> values(BundleContext context, String service, String property) {
        Set<String> values = new TreeSet<>();
        for (Bundle bundle : context.getBundles()) {
            Enumeration<String> paths = bundle.getState() == Bundle.UNINSTALLED ? null
                    : bundle.getEntryPaths("OSGI-INF/");
            while (paths != null && paths.hasMoreElements()) {
                String path = paths.nextElement();
                URL entry = path.endsWith(".xml") ? bundle.getEntry(path) : null;
                if (entry != null) {
                    read(entry, service, property, values);
                }
            }
        }
        return values;
    }

    private static void read(URL descriptor, String service, String property, Set<String> values) {
        try (InputStream in = descriptor.openStream()) {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            Element root = factory.newDocumentBuilder().parse(in).getDocumentElement();
            if (!provides(root, service)) {
                return;
            }
            NodeList properties = root.getElementsByTagName("property");
            for (int i = 0; i < properties.getLength(); i++) {
                Element p = (Element) properties.item(i);
                if (property.equals(p.getAttribute("name"))) {
                    String text = p.hasAttribute("value") ? p.getAttribute("value") : p.getTextContent();
                    for (String value : text.split("\\R")) {
                        if (!value.isBlank()) {
                            values.add(value.trim());
                        }
                    }
                }
            }
        } catch (IOException | ParserConfigurationException | SAXException e) {
            // not a descriptor we can read: it declares nothing we could wait for
        }
    }

    private static boolean provides(Element component, String service) {
        NodeList provides = component.getElementsByTagName("provide");
        for (int i = 0; i < provides.getLength(); i++) {
            if (service.equals(((Element) provides.item(i)).getAttribute("interface"))) {
                return true;
            }
        }
        return false;
    }
}
