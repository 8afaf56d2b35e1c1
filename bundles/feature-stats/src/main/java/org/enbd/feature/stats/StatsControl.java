package org.enbd.feature.stats;

/**
 * The ENBD control messages of the {@code stats} feature ({@link org.enbd.api.layer.Layer#control}). The range
 * {@link #FIRST}-{@link #LAST} belongs to this feature; only {@link #QUERY} is defined.
 */
public final class StatsControl {
    /** First control type of the stats range. */
    public static final int FIRST = 0x0300;
    /** Last control type of the stats range. */
    public static final int LAST = 0x03FF;
    /**
     * STATS_QUERY: the request carries no data; the reply is the export's counters (and each connection's) as a
     * UTF-8 JSON document.
     */
    public static final int QUERY = 0x0300;

    private StatsControl() {
    }
}
