package org.enbd.server.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * The metadata contexts this server knows (proto.md, "Metadata querying"): only {@code base:allocation}, whose
 * flags are HOLE and ZERO. Answers which contexts a LIST or SET query names.
 */
final class MetaContexts {
    static final String BASE_ALLOCATION = "base:allocation";
    /** The id SET_META_CONTEXT gives base:allocation; any non-zero value works, the client just echoes it. */
    static final int ALLOCATION_ID = 1;

    private MetaContexts() {
    }

    /** For LIST_META_CONTEXT: no query lists everything; {@code base:} lists the base namespace. */
    static List<String> list(List<String> queries) {
        if (queries.isEmpty()) {
            return List.of(BASE_ALLOCATION);
        }
        List<String> found = new ArrayList<>();
        for (String query : queries) {
            if ((query.equals("base:") || query.equals(BASE_ALLOCATION)) && !found.contains(BASE_ALLOCATION)) {
                found.add(BASE_ALLOCATION);
            }
        }
        return found;
    }

    /** For SET_META_CONTEXT: only exact names select a context. */
    static boolean selectsAllocation(List<String> queries) {
        return queries.contains(BASE_ALLOCATION);
    }
}
