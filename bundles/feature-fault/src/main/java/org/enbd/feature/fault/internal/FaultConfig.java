package org.enbd.feature.fault.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** The {@code org.enbd.feature.fault} configuration: one for the feature, whatever exports use it. */
@ObjectClassDefinition(name = "ENBD fault feature",
        description = "Delays and fails chosen requests, for tests (as nbdkit's delay and error filters)")
public @interface FaultConfig {
    @AttributeDefinition(name = "Defaults",
            description = "Parameters for every export that does not set them itself, each as fault.KEY=VALUE "
                    + "(e.g. fault.delay-read=10ms)")
    String[] defaults() default {};

    @AttributeDefinition(name = "Seed",
            description = "Seed of the random choice of which requests fail at rates below 100%; 0 draws a new "
                    + "seed for each export")
    long seed() default 0;
}
