package org.enbd.feature.stats.internal;

import java.util.List;

/** What a connection asks of its export, as the stats feature counts it; {@link #label} is the name users see. */
enum Command {
    READ("read"),
    WRITE("write"),
    FLUSH("flush"),
    TRIM("trim"),
    ZERO("zero"),
    EXTENTS("extents"),
    CACHE("cache"),
    CONTROL("control");

    static final List<Command> ALL = List.of(values());

    final String label;

    Command(String label) {
        this.label = label;
    }
}
