package org.enbd.transport.raw.target;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import org.enbd.transport.raw.packet.MacAddress;

/**
 * The writes a target has seen lately, by (initiator, tag): a retransmitted WRITE is answered from here instead of
 * being applied again. While the first copy is still being written, a copy is dropped (the reply will go out when
 * the write completes); once it completed, a copy gets the same reply again. So a copy that the network delayed
 * past a newer write to the same sectors cannot overwrite it, as long as the table still remembers the tag: it
 * holds the last {@code capacity} writes of all initiators, oldest forgotten first.
 *
 * <p>Thread-safe; every critical section is a map operation.
 */
public final class RecentWrites {
    /** What a target does with a WRITE it is given. */
    public sealed interface Verdict {
        /** First time: apply it, then {@link #completed}. */
        record Apply() implements Verdict {
        }

        /** A copy of a write still in progress: drop it. */
        record InProgress() implements Verdict {
        }

        /** A copy of a completed write: send {@code reply} again (a new view each time). */
        record Answered(ByteBuffer reply) implements Verdict {
        }
    }

    private static final Verdict APPLY = new Verdict.Apply();
    private static final Verdict IN_PROGRESS = new Verdict.InProgress();

    private record Key(MacAddress initiator, int tag) {
    }

    private final Map<Key, ByteBuffer> writes;
    private long duplicates;

    /** @param capacity the writes remembered (65536 covers minutes of a busy initiator's tags) */
    public RecentWrites(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity " + capacity);
        }
        this.writes = new LinkedHashMap<>(Math.min(capacity, 1 << 16) * 4 / 3 + 1) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Key, ByteBuffer> eldest) {
                return size() > capacity;
            }
        };
    }

    /** Records a WRITE as it arrives and says what to do with it. */
    public synchronized Verdict arrived(MacAddress initiator, int tag) {
        Key key = new Key(initiator, tag);
        if (!writes.containsKey(key)) {
            writes.put(key, null);
            return APPLY;
        }
        duplicates++;
        ByteBuffer reply = writes.get(key);
        return reply == null ? IN_PROGRESS : new Verdict.Answered(reply.duplicate());
    }

    /** The write answered {@code reply} (success or error): later copies get it too. */
    public synchronized void completed(MacAddress initiator, int tag, ByteBuffer reply) {
        Key key = new Key(initiator, tag);
        if (writes.containsKey(key)) {
            writes.put(key, reply.asReadOnlyBuffer());
        }
    }

    /** Copies recognised so far. */
    public synchronized long duplicates() {
        return duplicates;
    }
}
