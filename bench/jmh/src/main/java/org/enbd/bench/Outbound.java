package org.enbd.bench;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.util.function.Consumer;

/** Drains what a channel wrote, releasing every buffer; what a benchmark invocation ends with. */
final class Outbound {
    private Outbound() {
    }

    /** Releases everything written so far and returns how many bytes it was. */
    static long drain(EmbeddedChannel channel) {
        return drain(channel, b -> { });
    }

    /** As {@link #drain(EmbeddedChannel)}, showing each buffer to {@code inspect} before it is released. */
    static long drain(EmbeddedChannel channel, Consumer<ByteBuf> inspect) {
        channel.runPendingTasks(); // a flush the FlushConsolidationHandler deferred to the event loop
        long bytes = 0;
        for (Object o; (o = channel.readOutbound()) != null; ) {
            try {
                ByteBuf b = (ByteBuf) o;
                bytes += b.readableBytes();
                inspect.accept(b);
            } finally {
                ReferenceCountUtil.release(o);
            }
        }
        return bytes;
    }
}
