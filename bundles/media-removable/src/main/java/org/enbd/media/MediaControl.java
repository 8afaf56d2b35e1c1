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
    /**
     * MEDIA_ACCEPT: the request data is the generation the client takes, in decimal ASCII (empty: the one in now);
     * the reply is {@code accepted generation N}. After a medium change the server refuses every write until a
     * client accepts the new medium: a write sent before the client knew of the change was meant for the old
     * one. A kernel device sends it once the kernel has dropped what it cached of the old medium. Fails with
     * EINVAL when another medium is in by then (the client hears of it and accepts that one).
     */
    public static final int ACCEPT = 0x0201;

    private MediaControl() {
    }
}
