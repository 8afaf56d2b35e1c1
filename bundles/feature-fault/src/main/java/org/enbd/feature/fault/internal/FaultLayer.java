package org.enbd.feature.fault.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.file.Files;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.enbd.api.NbdException;
import org.enbd.api.layer.ExtentSink;
import org.enbd.api.layer.ForwardingLayer;
import org.enbd.api.layer.Layer;

/**
 * One connection's requests through the fault feature: each command follows its {@link Rule}. Whether a request
 * fails is drawn when it arrives; a delayed one goes on (or fails) on the feature's thread when its delay is over,
 * and a request that may fail only while an error file exists has the file looked at on that thread too, so an
 * event loop never waits for a clock or a file system. Commands without a rule go straight to {@code next}.
 * Control messages always pass.
 */
final class FaultLayer extends ForwardingLayer {
    private final FaultPlan plan;
    private final Delays delays;
    private final RandomGenerator random;

    FaultLayer(Layer next, FaultPlan plan, Delays delays, RandomGenerator random) {
        super(next);
        this.plan = plan;
        this.delays = delays;
        this.random = random;
    }

    @Override
    public CompletionStage<ByteBuf> read(long offset, int length, int flags, ByteBufAllocator alloc) {
        Rule rule = plan.rule(Command.READ);
        return rule.inert() ? next.read(offset, length, flags, alloc)
                : inject(rule, Command.READ, offset, () -> next.read(offset, length, flags, alloc));
    }

    @Override
    public CompletionStage<Void> write(long offset, ByteBuf data, int flags) {
        Rule rule = plan.rule(Command.WRITE);
        return rule.inert() ? next.write(offset, data, flags)
                : inject(rule, Command.WRITE, offset, () -> next.write(offset, data, flags));
    }

    @Override
    public CompletionStage<Void> flush(int flags) {
        Rule rule = plan.rule(Command.FLUSH);
        return rule.inert() ? next.flush(flags) : inject(rule, Command.FLUSH, -1, () -> next.flush(flags));
    }

    @Override
    public CompletionStage<Void> trim(long offset, long length, int flags) {
        Rule rule = plan.rule(Command.TRIM);
        return rule.inert() ? next.trim(offset, length, flags)
                : inject(rule, Command.TRIM, offset, () -> next.trim(offset, length, flags));
    }

    @Override
    public CompletionStage<Void> zero(long offset, long length, int flags) {
        Rule rule = plan.rule(Command.ZERO);
        return rule.inert() ? next.zero(offset, length, flags)
                : inject(rule, Command.ZERO, offset, () -> next.zero(offset, length, flags));
    }

    @Override
    public CompletionStage<Void> extents(long offset, long length, int flags, ExtentSink sink) {
        Rule rule = plan.rule(Command.EXTENTS);
        return rule.inert() ? next.extents(offset, length, flags, sink)
                : inject(rule, Command.EXTENTS, offset, () -> next.extents(offset, length, flags, sink));
    }

    @Override
    public CompletionStage<Void> cache(long offset, long length, int flags) {
        Rule rule = plan.rule(Command.CACHE);
        return rule.inert() ? next.cache(offset, length, flags)
                : inject(rule, Command.CACHE, offset, () -> next.cache(offset, length, flags));
    }

    private <T> CompletionStage<T> inject(Rule rule, Command command, long offset,
                                          Supplier<CompletionStage<T>> call) {
        boolean fails = rule.error() != null && (rule.rate() >= 1 || random.nextDouble() < rule.rate());
        if (rule.delayNanos() == 0 && (!fails || rule.file() == null)) {
            return fails ? CompletableFuture.failedFuture(injected(rule, command, offset)) : call.get();
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        delays.after(rule.delayNanos(), () -> {
            if (fails && (rule.file() == null || Files.exists(rule.file()))) {
                result.completeExceptionally(injected(rule, command, offset));
                return;
            }
            try {
                call.get().whenComplete((value, failure) -> {
                    if (failure != null) {
                        result.completeExceptionally(failure);
                    } else {
                        result.complete(value);
                    }
                });
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        }, result::completeExceptionally);
        return result;
    }

    private static NbdException injected(Rule rule, Command command, long offset) {
        return new NbdException(rule.error(), "injected " + rule.error() + " on " + command.label
                + (offset >= 0 ? " at offset " + offset : "") + " (" + rule.source() + ")");
    }
}
