package org.enbd.api.layer;

/** How a layer provides an optional operation: nbdkit's tri-state, so the server can advertise honestly. */
public enum Support {
    /** Not at all: the server does not advertise it. */
    NONE,
    /** By a slower equivalent (zero written as data, FUA as a flush): advertised, but never as fast. */
    EMULATE,
    /** The layer does it itself. */
    NATIVE
}
