package org.enbd.feature.fault.internal;

import java.util.List;

/** The requests the fault feature can delay or fail; {@link #label} is how parameters name them. */
enum Command {
    READ("read"),
    WRITE("write"),
    FLUSH("flush"),
    TRIM("trim"),
    ZERO("zero"),
    EXTENTS("extents"),
    CACHE("cache");

    static final List<Command> ALL = List.of(values());

    final String label;

    Command(String label) {
        this.label = label;
    }
}
