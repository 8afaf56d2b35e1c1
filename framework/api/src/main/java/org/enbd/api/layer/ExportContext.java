package org.enbd.api.layer;

import java.util.Map;

/**
 * What a backend or feature is told about the export it serves.
 *
 * @param exportName the name clients ask for ("" is the default export)
 * @param readOnly   the export was configured read-only (a backend may open its storage read-only)
 * @param parameters the export's configuration as key=value strings, for a layer's own parameters
 *                   (nbdkit's {@code key=value} arguments), e.g. {@code partition=1}
 */
public record ExportContext(String exportName, boolean readOnly, Map<String, String> parameters) {
    public ExportContext {
        parameters = Map.copyOf(parameters);
    }

    public String parameter(String key, String fallback) {
        return parameters.getOrDefault(key, fallback);
    }
}
