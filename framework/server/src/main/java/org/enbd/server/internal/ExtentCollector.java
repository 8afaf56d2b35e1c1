package org.enbd.server.internal;

import java.util.ArrayList;
import java.util.List;
import org.enbd.api.layer.ExtentSink;
import org.enbd.protocol.ReplyChunk;

/**
 * Gathers a layer's extents for one BLOCK_STATUS reply: merges neighbours with equal flags, clips to the request,
 * stops after one with REQ_ONE or when the reply is full, and never answers with no descriptor at all.
 */
final class ExtentCollector implements ExtentSink {
    private final long length;
    private final boolean one;
    private final int limit;
    private final List<ReplyChunk.Extent> extents = new ArrayList<>();
    private long covered;
    private long runLength;
    private int runFlags = -1;

    ExtentCollector(long length, boolean one, int limit) {
        this.length = length;
        this.one = one;
        this.limit = limit;
    }

    @Override
    public boolean add(long extentLength, int flags) {
        long clipped = Math.min(extentLength, length - covered);
        if (clipped <= 0) {
            return false;
        }
        covered += clipped;
        if (flags == runFlags) {
            runLength += clipped;
        } else {
            if (runLength > 0) {
                extents.add(new ReplyChunk.Extent(runLength, runFlags));
                if (extents.size() >= limit || one) {
                    runLength = 0;
                    return false;
                }
            }
            runLength = clipped;
            runFlags = flags;
        }
        return covered < length;
    }

    List<ReplyChunk.Extent> extents() {
        if (runLength > 0 && extents.size() < limit && !(one && !extents.isEmpty())) {
            extents.add(new ReplyChunk.Extent(runLength, runFlags));
            runLength = 0;
        }
        if (extents.isEmpty()) {
            extents.add(new ReplyChunk.Extent(length, 0));
        }
        return extents;
    }
}
