package org.enbd.feature.cow;

/**
 * The ENBD control messages of the {@code cow} feature ({@link org.enbd.api.layer.Layer#control}). The range
 * {@link #FIRST}-{@link #LAST} belongs to this feature; types of it not defined here are refused with ENOTSUP.
 */
public final class CowControl {
    /** First control type of the cow range. */
    public static final int FIRST = 0x0400;
    /** Last control type of the cow range. */
    public static final int LAST = 0x04FF;
    /**
     * COW_SHOW: no request data; the reply describes the overlay the asking connection writes to, as one line of
     * UTF-8 JSON: {@code {"export":"disk","scope":"export","store":"memory","blockSize":65536,"dataBlocks":3,
     * "zeroBlocks":1,"bytes":196608}}.
     */
    public static final int SHOW = 0x0400;
    /**
     * COW_DROP: no request data; forgets every change in the overlay the asking connection writes to (after the
     * writes before it), so the export reads as the layer below again; the reply is COW_SHOW's, after the drop.
     */
    public static final int DROP = 0x0401;

    private CowControl() {
    }
}
