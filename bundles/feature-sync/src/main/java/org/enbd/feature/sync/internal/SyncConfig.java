package org.enbd.feature.sync.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** The {@code org.enbd.feature.sync} configuration: one for the feature, whatever exports use it. */
@ObjectClassDefinition(name = "ENBD sync feature",
        description = "Sync modes: how durable a write is when its reply goes out (always, fua-only, none)")
public @interface SyncConfig {
    @AttributeDefinition(name = "Default mode",
            description = "The mode of an export that stacks the feature without sync=MODE: always, fua-only or "
                    + "none (none loses acknowledged writes on a crash)")
    String mode() default "always";
}
