package org.enbd.api.layer;

/**
 * Receives the extents of a block status query, in order and contiguous from the query's offset.
 * Flags are those of the {@code base:allocation} context: {@link #HOLE} and {@link #ZERO}.
 */
@FunctionalInterface
public interface ExtentSink {
    /** The range is not allocated (reads as zero unless {@link #ZERO} is clear, then contents are unspecified). */
    int HOLE = 1;
    /** The range reads as zeros. */
    int ZERO = 2;

    /**
     * Adds the next extent.
     *
     * @return false when the sink has enough (REQ_ONE, or the reply is full): the layer stops there
     */
    boolean add(long length, int flags);
}
