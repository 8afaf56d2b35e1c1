package org.enbd.api.layer;

import java.util.Objects;

/**
 * What a layer can do, asked once per connection. The server derives its transmission flags from this in one
 * place, so what is advertised is what the stack does: a layer that cannot write makes the export read-only,
 * emulated zeroes are advertised but never as FAST_ZERO.
 *
 * @param writable   write, zero and trim are accepted
 * @param flush      flush does something (a layer with no cache below it may say false)
 * @param fua        how FUA is honoured; EMULATE means by a flush after the write
 * @param trim       trim punches holes or discards (it is advisory: false means the server does not advertise it)
 * @param zero       how WRITE_ZEROES is done; EMULATE means by writing zero bytes
 * @param fastZero   WRITE_ZEROES with FAST_ZERO is answered honestly (ENOTSUP when it would be slow)
 * @param extents    block status reports real allocation (otherwise the server reports one data extent)
 * @param cache      how CACHE (prefetch) is done
 * @param multiConn  several connections see one consistent export, and a flush on one covers all
 * @param rotational the storage below prefers sequential access
 * @param blockSizes alignment and payload limits
 */
public record Capabilities(boolean writable, boolean flush, Support fua, boolean trim, Support zero,
                           boolean fastZero, boolean extents, Support cache, boolean multiConn, boolean rotational,
                           BlockSizes blockSizes) {

    public Capabilities {
        Objects.requireNonNull(fua, "fua");
        Objects.requireNonNull(zero, "zero");
        Objects.requireNonNull(cache, "cache");
        Objects.requireNonNull(blockSizes, "blockSizes");
    }

    /** A read-only layer that supports nothing optional: the base a backend builds on. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these capabilities, for a feature that changes only some of them. */
    public Builder toBuilder() {
        return new Builder().writable(writable).flush(flush).fua(fua).trim(trim).zero(zero).fastZero(fastZero)
                .extents(extents).cache(cache).multiConn(multiConn).rotational(rotational).blockSizes(blockSizes);
    }

    /** Builds {@link Capabilities}; starts read-only with nothing optional. */
    public static final class Builder {
        private boolean writable;
        private boolean flush;
        private Support fua = Support.NONE;
        private boolean trim;
        private Support zero = Support.NONE;
        private boolean fastZero;
        private boolean extents;
        private Support cache = Support.NONE;
        private boolean multiConn;
        private boolean rotational;
        private BlockSizes blockSizes = BlockSizes.DEFAULT;

        public Builder writable(boolean value) { writable = value; return this; }
        public Builder flush(boolean value) { flush = value; return this; }
        public Builder fua(Support value) { fua = value; return this; }
        public Builder trim(boolean value) { trim = value; return this; }
        public Builder zero(Support value) { zero = value; return this; }
        public Builder fastZero(boolean value) { fastZero = value; return this; }
        public Builder extents(boolean value) { extents = value; return this; }
        public Builder cache(Support value) { cache = value; return this; }
        public Builder multiConn(boolean value) { multiConn = value; return this; }
        public Builder rotational(boolean value) { rotational = value; return this; }
        public Builder blockSizes(BlockSizes value) { blockSizes = value; return this; }

        public Capabilities build() {
            return new Capabilities(writable, flush, fua, trim, zero, fastZero, extents, cache, multiConn,
                    rotational, blockSizes);
        }
    }
}
