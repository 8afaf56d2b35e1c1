package org.enbd.feature.stats.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** The {@code org.enbd.feature.stats} configuration: one for the feature, whatever exports use it. */
@ObjectClassDefinition(name = "ENBD stats feature",
        description = "Counts requests, bytes, errors and latency per export and per connection")
public @interface StatsConfig {
    @AttributeDefinition(name = "Status interval",
            description = "Seconds between refreshes of each export's stats:EXPORT status on the StatusBoard "
                    + "(only when its counters changed); at least 1", min = "1")
    int statusIntervalSeconds() default 1;

    @AttributeDefinition(name = "Per connection",
            description = "Answer STATS_QUERY with each open connection's counters as well as the export's")
    boolean connections() default true;
}
