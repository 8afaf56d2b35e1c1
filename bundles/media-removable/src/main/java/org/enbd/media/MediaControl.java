package org.enbd.media;

/**
 * The ENBD control messages of removable media ({@link org.enbd.api.layer.Layer#control}); the range
 * {@link #FIRST}-{@link #LAST} belongs to the media bundle.
 */
public final class MediaControl {
    public static final int FIRST = 0x0200;
    public static final int LAST = 0x02FF;
    /**
     * MEDIA_QUERY: no request data; the reply is one UTF-8 line, {@code generation=N present=true|false size=BYTES
     * detail=TEXT}: the medium the server holds now. ENBD's client asked this every second; ENBD-J's server also
     * pushes each change as an event.
     */
    public static final int QUERY = 0x0200;

    private MediaControl() {
    }
}
