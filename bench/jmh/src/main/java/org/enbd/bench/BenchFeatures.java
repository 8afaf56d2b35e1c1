package org.enbd.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.LongAdder;
import org.enbd.api.layer.Feature;
import org.enbd.api.layer.ForwardingLayer;
import org.enbd.server.StackEntry;

/**
 * The feature stacks the feature-cost benchmarks compare: none; a pass-through (a {@link ForwardingLayer} that
 * overrides nothing: the framework's forwarding alone); a counting feature written the simple way (override
 * read and write, count when {@code next}'s stage completes), the shape of feature-stats; and feature-cow's
 * copy-on-write with a memory overlay (through the client endpoint only: its changes complete on its own threads).
 */
final class BenchFeatures {
    private BenchFeatures() {
    }

    static List<StackEntry> stack(String name) {
        return switch (name) {
            case "none" -> List.of();
            case "passthrough" -> List.of(StackEntry.of("passthrough", passthrough()));
            case "counting" -> List.of(StackEntry.of("counting", counting()));
            // copy-on-write with a memory overlay (two I/O threads, 1 GiB), as a client device stacks it
            case "cow" -> List.of(StackEntry.of("cow", new org.enbd.feature.cow.internal.CowFeature(2, 1L << 30)));
            default -> throw new IllegalArgumentException("stack " + name);
        };
    }

    static Feature passthrough() {
        return (export, events) -> (next, session) -> new ForwardingLayer(next) {
        };
    }

    static Feature counting() {
        return (export, events) -> {
            LongAdder requests = new LongAdder();
            LongAdder bytes = new LongAdder();
            return (next, session) -> new ForwardingLayer(next) {
                @Override
                public CompletionStage<ByteBuf> read(long offset, int length, int flags, ByteBufAllocator alloc) {
                    return next.read(offset, length, flags, alloc).whenComplete((data, failure) -> {
                        requests.increment();
                        if (failure == null) {
                            bytes.add(length);
                        }
                    });
                }

                @Override
                public CompletionStage<Void> write(long offset, ByteBuf data, int flags) {
                    int length = data.readableBytes();
                    return next.write(offset, data, flags).whenComplete((done, failure) -> {
                        requests.increment();
                        if (failure == null) {
                            bytes.add(length);
                        }
                    });
                }
            };
        };
    }
}
